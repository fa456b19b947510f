using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.Nfs.Nfs3;

/// <summary>SETATTR3args: the object, the attributes to set and, when <see cref="Guard"/> is set, the ctime it must still have.</summary>
public readonly record struct SetAttr3Args(Nfs3FileHandle Object, Sattr3 NewAttributes, NfsTime3? Guard)
{
    public static SetAttr3Args Decode(ReadOnlyMemory<byte> arguments)
    {
        var reader = new XdrReader(arguments.Span);
        var handle = Nfs3FileHandle.Decode(ref reader, arguments);
        var attributes = Sattr3.Decode(ref reader);
        NfsTime3? guard = reader.ReadBool() ? NfsTime3.Decode(ref reader) : null;
        return new SetAttr3Args(handle, attributes, guard);
    }

    public void Encode(XdrWriter writer)
    {
        Object.Encode(writer);
        NewAttributes.Encode(writer);
        writer.WriteBool(Guard.HasValue);
        Guard?.Encode(writer);
    }
}
