using Lifeboat.OncRpc.Rpc;
using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.Nfs.Nfs3;

/// <summary>GETATTR, SETATTR and ACCESS.</summary>
public sealed partial class Nfs3Program
{
    private const uint NobodyId = 65534;

    private void GetAttr(ReadOnlyMemory<byte> arguments, XdrWriter writer)
    {
        var handle = Nfs3FileHandle.Decode(arguments);
        var status = Resolve(handle, out var node);
        if (status == Nfs3Status.Ok)
        {
            status = node.GetAttributes(out var attributes);
            if (status == Nfs3Status.Ok)
            {
                writer.WriteUInt32((uint)Nfs3Status.Ok);
                attributes.Encode(writer);
                return;
            }
        }

        WriteFailure(writer, Nfs3Proc.GetAttr, status);
    }

    private async ValueTask<RpcAcceptStatus> SetAttrAsync(ReadOnlyMemory<byte> arguments, XdrWriter writer, CancellationToken cancellationToken)
    {
        var args = SetAttr3Args.Decode(arguments);
        var status = Resolve(args.Object, out var node);
        if (status != Nfs3Status.Ok)
        {
            WriteFailure(writer, Nfs3Proc.SetAttr, status);
            return RpcAcceptStatus.Success;
        }

        var before = Attributes(node);
        if (args.Guard is { } guard && before?.Ctime != guard)
        {
            status = Nfs3Status.NotSync;
        }
        else
        {
            status = await node.SetAttributesAsync(args.NewAttributes, cancellationToken).ConfigureAwait(false);
        }

        writer.WriteUInt32((uint)status);
        new WccData(before?.ToWccAttr(), Attributes(node)).Encode(writer);
        return RpcAcceptStatus.Success;
    }

    private void Access(ReadOnlyMemory<byte> arguments, RpcCredentials credentials, XdrWriter writer)
    {
        var args = Access3Args.Decode(arguments);
        var status = Resolve(args.Object, out var node);
        if (status != Nfs3Status.Ok)
        {
            WriteFailure(writer, Nfs3Proc.Access, status);
            return;
        }

        status = node.GetAttributes(out var attributes);
        if (status != Nfs3Status.Ok)
        {
            WriteFailure(writer, Nfs3Proc.Access, status);
            return;
        }

        writer.WriteUInt32((uint)Nfs3Status.Ok);
        Fattr3.EncodePostOp(writer, attributes);
        var allowed = Allowed(attributes, credentials);
        if (_fileSystem.IsReadOnly(node))
            allowed &= ~(Access3.Modify | Access3.Extend | Access3.Delete);
        writer.WriteUInt32((uint)(args.Access & allowed));
    }

    /// <summary>
    /// What the mode bits grant the caller: the owner's bits to the owner and to root (read-only stays read-only even
    /// for root, so generated files cannot be opened for writing), the group's to its members, the others' to the rest.
    /// </summary>
    internal static Access3 Allowed(in Fattr3 attributes, RpcCredentials credentials)
    {
        var sys = credentials.Sys;
        var uid = sys?.Uid ?? NobodyId;
        uint bits;
        if (uid == 0 || uid == attributes.Uid)
        {
            bits = (attributes.Mode >> 6) & 7;
        }
        else if (sys is not null && (sys.Gid == attributes.Gid || sys.Gids.Contains(attributes.Gid)))
        {
            bits = (attributes.Mode >> 3) & 7;
        }
        else
        {
            bits = attributes.Mode & 7;
        }

        var read = (bits & 4) != 0;
        var write = (bits & 2) != 0;
        var execute = (bits & 1) != 0;
        var allowed = Access3.None;
        if (attributes.Type == Ftype3.Dir)
        {
            allowed |= read ? Access3.Read : 0;
            allowed |= execute ? Access3.Lookup : 0;
            allowed |= write && execute ? Access3.Modify | Access3.Extend | Access3.Delete : 0;
        }
        else
        {
            allowed |= read ? Access3.Read : 0;
            allowed |= write ? Access3.Modify | Access3.Extend : 0;
            allowed |= execute ? Access3.Execute : 0;
        }

        return allowed;
    }
}
