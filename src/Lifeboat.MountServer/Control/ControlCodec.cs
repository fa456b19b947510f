using Lifeboat.OncRpc.Xdr;
using Lifeboat.MountServer.Publishing;

namespace Lifeboat.MountServer.Control;

/// <summary>
/// XDR of the control program's results: a status word (0 = ok) then a publication list or an error sentence. A
/// publication of version 2 (<see cref="ControlConstants.ReadOnlyVersion"/>) ends with its nbd+unix:// URLs and its read-only flag.
/// </summary>
public static class ControlCodec
{
    public const uint Ok = 0;
    public const uint Failed = 1;

    public static void WritePublication(XdrWriter writer, PublicationInfo p, uint version)
    {
        writer.WriteString(p.Name);
        writer.WriteString(p.Vm);
        writer.WriteString(p.RestorePointId);
        writer.WriteString(p.CacheFolder);
        WriteStrings(writer, p.DiskUrls);
        WriteStrings(writer, p.DiskUrlsWithPorts);
        WriteStrings(writer, p.NbdUrls);
        if (version < ControlConstants.ReadOnlyVersion)
            return;
        WriteStrings(writer, p.NbdUnixUrls);
        writer.WriteBool(p.ReadOnly);
    }

    /// <summary>Reads a publication of <see cref="ControlConstants.Version"/>, the one <see cref="ControlClient"/> asks for.</summary>
    public static PublicationInfo ReadPublication(ref XdrReader reader) => new(
        reader.ReadString(ControlConstants.MaxNameLength),
        reader.ReadString(ControlConstants.MaxNameLength),
        reader.ReadString(ControlConstants.MaxNameLength),
        reader.ReadString(ControlConstants.MaxPathLength),
        ReadStrings(ref reader),
        ReadStrings(ref reader))
    {
        NbdUrls = ReadStrings(ref reader),
        NbdUnixUrls = ReadStrings(ref reader),
        ReadOnly = reader.ReadBool(),
    };

    private static void WriteStrings(XdrWriter writer, IReadOnlyList<string> values)
    {
        writer.WriteUInt32((uint)values.Count);
        foreach (var value in values)
            writer.WriteString(value);
    }

    private static string[] ReadStrings(ref XdrReader reader)
    {
        var count = reader.ReadUInt32();
        if (count > ControlConstants.MaxUrls)
            throw new XdrException($"A publication lists {count} URLs; at most {ControlConstants.MaxUrls} are allowed.");
        var values = new string[count];
        for (var i = 0; i < values.Length; i++)
            values[i] = reader.ReadString(ControlConstants.MaxUrlLength);
        return values;
    }
}
