using Lifeboat.Nfs.Datastore.Local;
using Lifeboat.Nfs.Nfs3;

namespace Lifeboat.Nfs.Datastore;

/// <summary>
/// A file a client made (lock, log, swap or snapshot file). UNSTABLE writes go to the page cache and are flushed by
/// COMMIT; the datastore's per-process write verifier makes clients resend them after a restart.
/// </summary>
internal sealed class LocalFileNode(DatastorePublication publication, DatastoreFileHandle handle, string path, LocalStat stat)
    : DatastoreNode(publication.FileSystem, handle)
{
    private LocalStat _stat = stat;

    public override Ftype3 Type => _stat.Type;

    public override Nfs3Status GetAttributes(out Fattr3 attributes)
    {
        if (publication.Tree.Stat(path, out var current) == Nfs3Status.Ok && current.Inode == _stat.Inode)
        {
            _stat = current;
        }

        attributes = LocalNodes.Attributes(this, _stat);
        return Nfs3Status.Ok;
    }

    public override ValueTask<DatastoreReadResult> ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        var status = publication.Tree.OpenFile(path, _stat.Inode, write: false, out var file);
        if (status != Nfs3Status.Ok)
        {
            return ValueTask.FromResult(DatastoreReadResult.Failed(status));
        }

        using (file)
        {
            try
            {
                var length = RandomAccess.GetLength(file);
                var total = 0;
                while (total < destination.Length)
                {
                    var read = RandomAccess.Read(file, destination.Span[total..], offset + total);
                    if (read == 0)
                    {
                        break;
                    }

                    total += read;
                }

                return ValueTask.FromResult(new DatastoreReadResult(Nfs3Status.Ok, total, offset + total >= length));
            }
            catch (IOException ex)
            {
                return ValueTask.FromResult(DatastoreReadResult.Failed(Errno.ToNfs3Status(ex)));
            }
        }
    }

    public override ValueTask<DatastoreWriteResult> WriteAsync(long offset, ReadOnlyMemory<byte> data, StableHow stable, CancellationToken cancellationToken)
    {
        var status = publication.Tree.OpenFile(path, _stat.Inode, write: true, out var file);
        if (status != Nfs3Status.Ok)
        {
            return ValueTask.FromResult(DatastoreWriteResult.Failed(status));
        }

        using (file)
        {
            try
            {
                RandomAccess.Write(file, data.Span, offset);
                if (stable != StableHow.Unstable)
                {
                    RandomAccess.FlushToDisk(file);
                    return ValueTask.FromResult(new DatastoreWriteResult(Nfs3Status.Ok, StableHow.FileSync));
                }

                return ValueTask.FromResult(new DatastoreWriteResult(Nfs3Status.Ok, StableHow.Unstable));
            }
            catch (IOException ex)
            {
                return ValueTask.FromResult(DatastoreWriteResult.Failed(Errno.ToNfs3Status(ex)));
            }
        }
    }

    public override ValueTask<Nfs3Status> CommitAsync(CancellationToken cancellationToken)
    {
        var status = publication.Tree.OpenFile(path, _stat.Inode, write: false, out var file);
        if (status != Nfs3Status.Ok)
        {
            return ValueTask.FromResult(status);
        }

        using (file)
        {
            try
            {
                RandomAccess.FlushToDisk(file);
                return ValueTask.FromResult(Nfs3Status.Ok);
            }
            catch (IOException ex)
            {
                return ValueTask.FromResult(Errno.ToNfs3Status(ex));
            }
        }
    }

    public override ValueTask<Nfs3Status> SetAttributesAsync(Sattr3 attributes, CancellationToken cancellationToken) =>
        ValueTask.FromResult(LocalNodes.SetAttributes(publication, path, _stat, attributes));
}
