using Lifeboat.Nfs.Datastore;
using Lifeboat.OncRpc.Rpc;
using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.Nfs.Nfs3;

/// <summary>CREATE, MKDIR, SYMLINK, MKNOD and LINK.</summary>
public sealed partial class Nfs3Program
{
    private async ValueTask<RpcAcceptStatus> CreateAsync(
        ReadOnlyMemory<byte> arguments, RpcCredentials credentials, XdrWriter writer, CancellationToken cancellationToken)
    {
        var args = Create3Args.Decode(arguments);
        var status = Resolve(args.Where.Dir, out var dir);
        if (status != Nfs3Status.Ok)
        {
            WriteFailure(writer, Nfs3Proc.Create, status);
            return RpcAcceptStatus.Success;
        }

        var before = Before(dir);
        (status, var node) = await dir.CreateFileAsync(args.Where.Name, args.Mode, args.Attributes, args.Verifier, OwnerOf(credentials), cancellationToken)
            .ConfigureAwait(false);
        WriteCreated(writer, status, node, dir, before);
        return RpcAcceptStatus.Success;
    }

    private void MkDir(ReadOnlyMemory<byte> arguments, RpcCredentials credentials, XdrWriter writer)
    {
        var args = MkDir3Args.Decode(arguments);
        var status = Resolve(args.Where.Dir, out var dir);
        if (status != Nfs3Status.Ok)
        {
            WriteFailure(writer, Nfs3Proc.MkDir, status);
            return;
        }

        var before = Before(dir);
        status = dir.MakeDirectory(args.Where.Name, args.Attributes, OwnerOf(credentials), out var node);
        WriteCreated(writer, status, node, dir, before);
    }

    private void Symlink(ReadOnlyMemory<byte> arguments, RpcCredentials credentials, XdrWriter writer)
    {
        var args = Symlink3Args.Decode(arguments);
        var status = Resolve(args.Where.Dir, out var dir);
        if (status != Nfs3Status.Ok)
        {
            WriteFailure(writer, Nfs3Proc.Symlink, status);
            return;
        }

        var before = Before(dir);
        DatastoreNode? node = null;
        status = args.Target.Contains('\0', StringComparison.Ordinal)
            ? Nfs3Status.Inval
            : dir.MakeSymlink(args.Where.Name, args.Target, args.Attributes, OwnerOf(credentials), out node);
        WriteCreated(writer, status, node, dir, before);
    }

    /// <summary>Device files, sockets and FIFOs have no place in a datastore.</summary>
    private void MkNod(ReadOnlyMemory<byte> arguments, XdrWriter writer)
    {
        var args = MkNod3Args.Decode(arguments);
        var status = Resolve(args.Where.Dir, out var dir);
        if (status != Nfs3Status.Ok)
        {
            WriteFailure(writer, Nfs3Proc.MkNod, status);
            return;
        }

        var attributes = Attributes(dir);
        writer.WriteUInt32((uint)(dir.Type == Ftype3.Dir ? Nfs3Status.NotSupp : Nfs3Status.NotDir));
        new WccData(attributes?.ToWccAttr(), attributes).Encode(writer);
    }

    /// <summary>Hard links are not offered (FSINFO leaves FSF3_LINK clear): a disk file already has its two names.</summary>
    private void Link(ReadOnlyMemory<byte> arguments, XdrWriter writer)
    {
        var args = Link3Args.Decode(arguments);
        var status = Resolve(args.File, out var file);
        if (status != Nfs3Status.Ok)
        {
            WriteFailure(writer, Nfs3Proc.Link, status);
            return;
        }

        status = Resolve(args.Link.Dir, out var dir);
        writer.WriteUInt32((uint)(status == Nfs3Status.Ok ? Nfs3Status.NotSupp : status));
        Fattr3.EncodePostOp(writer, Attributes(file));
        var dirAttributes = status == Nfs3Status.Ok ? Attributes(dir) : null;
        new WccData(dirAttributes?.ToWccAttr(), dirAttributes).Encode(writer);
    }

    private static void WriteCreated(XdrWriter writer, Nfs3Status status, DatastoreNode? node, DatastoreNode dir, WccAttr? before)
    {
        writer.WriteUInt32((uint)status);
        if (status == Nfs3Status.Ok && node is not null)
        {
            WriteNewObject(writer, node);
        }

        new WccData(before, Attributes(dir)).Encode(writer);
    }
}
