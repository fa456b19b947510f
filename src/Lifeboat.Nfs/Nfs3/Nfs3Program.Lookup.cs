using Lifeboat.Nfs.Datastore;
using Lifeboat.OncRpc.Peers;
using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.Nfs.Nfs3;

/// <summary>LOOKUP and READLINK.</summary>
public sealed partial class Nfs3Program
{
    private void Lookup(ReadOnlyMemory<byte> arguments, RpcPeer peer, XdrWriter writer)
    {
        var args = DirOpArgs3.Decode(arguments);
        var status = Resolve(args.Dir, out var dir);
        if (status != Nfs3Status.Ok)
        {
            WriteFailure(writer, Nfs3Proc.Lookup, status);
            return;
        }

        status = dir.Lookup(args.Name, out var node);
        if (status == Nfs3Status.Ok && !Shows(peer, node))
        {
            status = Nfs3Status.NoEnt;
        }

        writer.WriteUInt32((uint)status);
        if (status == Nfs3Status.Ok)
        {
            WriteHandle(writer, node);
            Fattr3.EncodePostOp(writer, Attributes(node));
        }

        Fattr3.EncodePostOp(writer, Attributes(dir));
    }

    /// <summary>Whether the peer may see a publication's folder found in the export root; anything else it may.</summary>
    private bool Shows(RpcPeer peer, DatastoreNode node) =>
        node.Handle.Kind != DatastoreNodeKind.Publication || _fileSystem.FindPublication(node.Handle.PublicationId) is not { } publication || _admission.Shows(peer, publication);

    private void ReadLink(ReadOnlyMemory<byte> arguments, XdrWriter writer)
    {
        var handle = Nfs3FileHandle.Decode(arguments);
        var status = Resolve(handle, out var node);
        if (status != Nfs3Status.Ok)
        {
            WriteFailure(writer, Nfs3Proc.ReadLink, status);
            return;
        }

        status = node.ReadLink(out var target);
        writer.WriteUInt32((uint)status);
        Fattr3.EncodePostOp(writer, Attributes(node));
        if (status == Nfs3Status.Ok)
        {
            writer.WriteString(target);
        }
    }
}
