using Lifeboat.Nfs.Nfs3;

namespace Lifeboat.Nfs.Datastore;

/// <summary>A read-only file whose bytes were given at publish time.</summary>
internal sealed class GeneratedFileNode(DatastorePublication publication, int index, DatastoreFile file)
    : DatastoreNode(publication.FileSystem, new DatastoreFileHandle(DatastoreNodeKind.GeneratedFile, publication.FileSystem.DatastoreId, publication.Id, (ulong)index, 0))
{
    public string Name => file.Name;

    public override Ftype3 Type => Ftype3.Reg;

    public override Nfs3Status GetAttributes(out Fattr3 attributes)
    {
        var published = publication.PublishedAt;
        attributes = VirtualAttributes(Ftype3.Reg, FileModes.ReadOnly, 1, (ulong)file.Content.Length, published, published, published);
        return Nfs3Status.Ok;
    }

    public override ValueTask<DatastoreReadResult> ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        var content = file.Content;
        if (offset >= content.Length)
        {
            return ValueTask.FromResult(new DatastoreReadResult(Nfs3Status.Ok, 0, true));
        }

        var count = (int)Math.Min(destination.Length, content.Length - offset);
        content.Span.Slice((int)offset, count).CopyTo(destination.Span);
        return ValueTask.FromResult(new DatastoreReadResult(Nfs3Status.Ok, count, offset + count >= content.Length));
    }

    public override ValueTask<DatastoreWriteResult> WriteAsync(long offset, ReadOnlyMemory<byte> data, StableHow stable, CancellationToken cancellationToken) =>
        ValueTask.FromResult(DatastoreWriteResult.Failed(Nfs3Status.Acces));

    public override ValueTask<Nfs3Status> CommitAsync(CancellationToken cancellationToken) => ValueTask.FromResult(Nfs3Status.Ok);
}
