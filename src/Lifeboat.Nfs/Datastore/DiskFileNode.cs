using Lifeboat.Nfs.Nfs3;

namespace Lifeboat.Nfs.Datastore;

/// <summary>
/// A published disk, seen under two names (<c>diskN.raw</c> and <c>diskN-flat.vmdk</c>) that are one object: one
/// handle, one fileid, nlink 2. Mode, owner and times live in memory; the content lives in the disk.
/// </summary>
internal sealed class DiskFileNode : DatastoreNode
{
    private readonly DatastorePublication _publication;
    private readonly IDatastoreDisk _disk;
    private uint _mode = FileModes.ReadWrite;
    private long _atime;
    private long _mtime;
    private long _ctime;

    public DiskFileNode(DatastorePublication publication, int index, IDatastoreDisk disk)
        : base(publication.FileSystem, new DatastoreFileHandle(DatastoreNodeKind.DiskFile, publication.FileSystem.DatastoreId, publication.Id, (ulong)index, 0))
    {
        _publication = publication;
        _disk = disk;
        _atime = _mtime = _ctime = publication.PublishedAt;
    }

    public override Ftype3 Type => Ftype3.Reg;

    public override ulong WriteVerifier => _disk.WriteVerifier;

    public override Nfs3Status GetAttributes(out Fattr3 attributes)
    {
        attributes = VirtualAttributes(
            Ftype3.Reg,
            Volatile.Read(ref _mode),
            2,
            (ulong)_disk.Length,
            Volatile.Read(ref _atime),
            Volatile.Read(ref _mtime),
            Volatile.Read(ref _ctime));
        return Nfs3Status.Ok;
    }

    public override async ValueTask<DatastoreReadResult> ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        var length = _disk.Length;
        if (offset >= length)
        {
            return new DatastoreReadResult(Nfs3Status.Ok, 0, true);
        }

        destination = destination[..(int)Math.Min(destination.Length, length - offset)];
        try
        {
            var read = await _disk.ReadAsync(offset, destination, cancellationToken).ConfigureAwait(false);
            return new DatastoreReadResult(Nfs3Status.Ok, read, offset + read >= length);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _publication.FileSystem.ReportDiskError(_publication.Name, "read", ex);
            return DatastoreReadResult.Failed(Nfs3Status.Io);
        }
    }

    public override async ValueTask<DatastoreWriteResult> WriteAsync(long offset, ReadOnlyMemory<byte> data, StableHow stable, CancellationToken cancellationToken)
    {
        if (offset > _disk.Length - data.Length)
        {
            return DatastoreWriteResult.Failed(Nfs3Status.FBig);
        }

        try
        {
            var committed = await _disk.WriteAsync(offset, data, stable, cancellationToken).ConfigureAwait(false);
            Touch();
            return new DatastoreWriteResult(Nfs3Status.Ok, committed);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _publication.FileSystem.ReportDiskError(_publication.Name, "write", ex);
            return DatastoreWriteResult.Failed(Nfs3Status.Io);
        }
    }

    public override async ValueTask<Nfs3Status> CommitAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _disk.CommitAsync(cancellationToken).ConfigureAwait(false);
            return Nfs3Status.Ok;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _publication.FileSystem.ReportDiskError(_publication.Name, "commit", ex);
            return Nfs3Status.Io;
        }
    }

    public override async ValueTask<Nfs3Status> SetAttributesAsync(Sattr3 attributes, CancellationToken cancellationToken)
    {
        // The owner of a disk file is the datastore's; a client asking for the same owner is fine, another is refused.
        if ((attributes.Uid is { } uid && uid != FileSystem.OwnerUid) || (attributes.Gid is { } gid && gid != FileSystem.OwnerGid))
        {
            return Nfs3Status.Perm;
        }

        if (attributes.Size is { } size)
        {
            if (size > long.MaxValue)
            {
                return Nfs3Status.FBig;
            }

            if ((long)size != _disk.Length)
            {
                try
                {
                    await _disk.SetLengthAsync((long)size, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    _publication.FileSystem.ReportDiskError(_publication.Name, "resize", ex);
                    return Nfs3Status.Io;
                }

                Touch();
            }
        }

        if (attributes.Mode is { } mode)
        {
            Volatile.Write(ref _mode, mode & 0xFFF);
        }

        var now = FileSystem.Now;
        if (attributes.Atime.IsSet)
        {
            Volatile.Write(ref _atime, attributes.Atime.Resolve(now).ToUnixNanoseconds());
        }

        if (attributes.Mtime.IsSet)
        {
            Volatile.Write(ref _mtime, attributes.Mtime.Resolve(now).ToUnixNanoseconds());
        }

        Volatile.Write(ref _ctime, now.ToUnixNanoseconds());
        return Nfs3Status.Ok;
    }

    private void Touch()
    {
        var now = FileSystem.Now.ToUnixNanoseconds();
        Volatile.Write(ref _mtime, now);
        Volatile.Write(ref _ctime, now);
    }
}
