using Lifeboat.Nfs.Datastore;
using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.Nfs.Nfs3;

/// <summary>FSSTAT, FSINFO and PATHCONF.</summary>
public sealed partial class Nfs3Program
{
    private const ulong ReportedFiles = 1UL << 32;

    private void FsStat(ReadOnlyMemory<byte> arguments, XdrWriter writer)
    {
        var handle = Nfs3FileHandle.Decode(arguments);
        var status = Resolve(handle, out var node);
        if (status != Nfs3Status.Ok)
        {
            WriteFailure(writer, Nfs3Proc.FsStat, status);
            return;
        }

        // Space is that of the file system holding the publication's cache folder, where client files and the
        // write cache grow.
        var folder = _fileSystem.FindPublication(node.Handle.PublicationId)?.CacheFolder ?? Path.GetTempPath();
        ulong total = 0, free = 0, available = 0;
        try
        {
            var drive = new DriveInfo(folder);
            total = (ulong)drive.TotalSize;
            free = (ulong)drive.TotalFreeSpace;
            available = (ulong)drive.AvailableFreeSpace;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            // Unknown space is reported as none rather than failing the call.
        }

        writer.WriteUInt32((uint)Nfs3Status.Ok);
        Fattr3.EncodePostOp(writer, Attributes(node));
        writer.WriteUInt64(total);
        writer.WriteUInt64(free);
        writer.WriteUInt64(available);
        writer.WriteUInt64(ReportedFiles);
        writer.WriteUInt64(ReportedFiles / 2);
        writer.WriteUInt64(ReportedFiles / 2);
        writer.WriteUInt32(0); // invarsec: the figures can change at any time
    }

    private void FsInfo(ReadOnlyMemory<byte> arguments, XdrWriter writer)
    {
        var handle = Nfs3FileHandle.Decode(arguments);
        var status = Resolve(handle, out var node);
        if (status != Nfs3Status.Ok)
        {
            WriteFailure(writer, Nfs3Proc.FsInfo, status);
            return;
        }

        writer.WriteUInt32((uint)Nfs3Status.Ok);
        Fattr3.EncodePostOp(writer, Attributes(node));
        writer.WriteUInt32((uint)_options.MaxReadSize);
        writer.WriteUInt32((uint)_options.PreferredReadSize);
        writer.WriteUInt32(4096);
        writer.WriteUInt32((uint)_options.MaxWriteSize);
        writer.WriteUInt32((uint)_options.PreferredWriteSize);
        writer.WriteUInt32(4096);
        writer.WriteUInt32((uint)_options.PreferredDirectorySize);
        writer.WriteUInt64(long.MaxValue);
        new NfsTime3(0, 1).Encode(writer);
        // FSINFO has no read-only bit; a read-only publication at least does not claim SETATTR of times.
        var properties = FsInfo3Properties.Symlink | FsInfo3Properties.Homogeneous;
        writer.WriteUInt32((uint)(_fileSystem.IsReadOnly(node) ? properties : properties | FsInfo3Properties.CanSetTime));
    }

    private void PathConf(ReadOnlyMemory<byte> arguments, XdrWriter writer)
    {
        var handle = Nfs3FileHandle.Decode(arguments);
        var status = Resolve(handle, out var node);
        if (status != Nfs3Status.Ok)
        {
            WriteFailure(writer, Nfs3Proc.PathConf, status);
            return;
        }

        writer.WriteUInt32((uint)Nfs3Status.Ok);
        Fattr3.EncodePostOp(writer, Attributes(node));
        writer.WriteUInt32(1); // linkmax: no hard links
        writer.WriteUInt32(Nfs3Constants.MaxNameLength);
        writer.WriteBool(true); // no_trunc: longer names are refused, not cut
        writer.WriteBool(true); // chown_restricted
        writer.WriteBool(false); // case_insensitive
        writer.WriteBool(true); // case_preserving
    }
}
