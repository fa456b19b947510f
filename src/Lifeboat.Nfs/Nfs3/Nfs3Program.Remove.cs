using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.Nfs.Nfs3;

/// <summary>REMOVE, RMDIR and RENAME.</summary>
public sealed partial class Nfs3Program
{
    private void Remove(ReadOnlyMemory<byte> arguments, XdrWriter writer, bool directory)
    {
        var args = DirOpArgs3.Decode(arguments);
        var status = Resolve(args.Dir, out var dir);
        if (status != Nfs3Status.Ok)
        {
            WriteFailure(writer, directory ? Nfs3Proc.RmDir : Nfs3Proc.Remove, status);
            return;
        }

        var before = Before(dir);
        status = directory ? dir.RemoveDirectory(args.Name) : dir.Remove(args.Name);
        writer.WriteUInt32((uint)status);
        new WccData(before, Attributes(dir)).Encode(writer);
    }

    private void Rename(ReadOnlyMemory<byte> arguments, XdrWriter writer)
    {
        var args = Rename3Args.Decode(arguments);
        var status = Resolve(args.From.Dir, out var from);
        if (status != Nfs3Status.Ok)
        {
            WriteFailure(writer, Nfs3Proc.Rename, status);
            return;
        }

        status = Resolve(args.To.Dir, out var to);
        if (status != Nfs3Status.Ok)
        {
            writer.WriteUInt32((uint)status);
            var fromAttributes = Attributes(from);
            new WccData(fromAttributes?.ToWccAttr(), fromAttributes).Encode(writer);
            WccData.None.Encode(writer);
            return;
        }

        var fromBefore = Before(from);
        var toBefore = Before(to);
        status = from.Rename(args.From.Name, to, args.To.Name);
        writer.WriteUInt32((uint)status);
        new WccData(fromBefore, Attributes(from)).Encode(writer);
        new WccData(toBefore, Attributes(to)).Encode(writer);
    }
}
