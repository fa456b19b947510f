using Lifeboat.Nfs.Datastore.Local;
using Lifeboat.Nfs.Nfs3;

namespace Lifeboat.Nfs.Datastore;

/// <summary>
/// A file a client made (lock, log, swap or snapshot file). UNSTABLE writes go to the page cache and are flushed by
/// COMMIT; the datastore's per-process write verifier makes clients resend them after a restart.
/// </summary>
internal sealed class LocalFileNode(DatastorePublication publication, DatastoreFileHandle handle, string path, LocalStat stat)
    : LocalNode(publication, handle, path, stat)
{
    public override ValueTask<DatastoreReadResult> ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        var errno = Publication.Tree.Files.Read(Path, Inode, offset, destination.Span, out var count, out var endOfFile);
        return ValueTask.FromResult(errno == Errno.None
            ? new DatastoreReadResult(Nfs3Status.Ok, count, endOfFile)
            : DatastoreReadResult.Failed(ErrnoStatus.Of(errno)));
    }

    public override ValueTask<DatastoreWriteResult> WriteAsync(long offset, ReadOnlyMemory<byte> data, StableHow stable, CancellationToken cancellationToken)
    {
        var flush = stable != StableHow.Unstable;
        var errno = Publication.Tree.Files.Write(Path, Inode, offset, data.Span, flush);
        return ValueTask.FromResult(errno == Errno.None
            ? new DatastoreWriteResult(Nfs3Status.Ok, flush ? StableHow.FileSync : StableHow.Unstable)
            : DatastoreWriteResult.Failed(ErrnoStatus.Of(errno)));
    }

    public override ValueTask<Nfs3Status> CommitAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(ErrnoStatus.Of(Publication.Tree.Files.Flush(Path, Inode)));
}
