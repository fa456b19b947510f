using System.Net;
using Lifeboat.OncRpc.Xdr;
using Lifeboat.MountServer.Publishing;

namespace Lifeboat.MountServer.Control;

/// <summary>
/// XDR of the control program's results: a status word (0 = ok) then a publication list or an error sentence. A
/// publication of version 2 (<see cref="ControlConstants.ReadOnlyVersion"/>) ends with its nbd+unix:// URLs and its read-only flag,
/// one of version 3 (<see cref="ControlConstants.NarrowedVersion"/>) then with its clients (none: not narrowed) and served address ("" when none).
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
        if (version < ControlConstants.NarrowedVersion)
            return;
        WriteAddresses(writer, p.Clients ?? []);
        writer.WriteString(p.ServedAt?.ToString() ?? "");
    }

    /// <summary>A list of IP addresses, as text.</summary>
    public static void WriteAddresses(XdrWriter writer, IReadOnlyList<IPAddress> addresses)
    {
        writer.WriteUInt32((uint)addresses.Count);
        foreach (var address in addresses)
            writer.WriteString(address.ToString());
    }

    /// <summary>Reads what <see cref="WriteAddresses"/> wrote, at most <see cref="ControlConstants.MaxClients"/> addresses.</summary>
    /// <exception cref="XdrException">Too many addresses, or a text that is not one.</exception>
    public static IPAddress[] ReadAddresses(ref XdrReader reader)
    {
        var count = reader.ReadUInt32();
        if (count > ControlConstants.MaxClients)
            throw new XdrException($"The clients list has {count} addresses; at most {ControlConstants.MaxClients} are allowed.");
        var addresses = new IPAddress[count];
        for (var i = 0; i < addresses.Length; i++)
            addresses[i] = ReadAddress(ref reader) ?? throw new XdrException($"Client {i + 1} of the clients list is empty; give an IP address.");
        return addresses;
    }

    private static IPAddress? ReadAddress(ref XdrReader reader)
    {
        var text = reader.ReadString(ControlConstants.MaxAddressLength);
        if (text.Length == 0)
            return null;
        return IPAddress.TryParse(text, out var address) ? address : throw new XdrException($"'{text}' is not an IP address; give one like 198.18.0.2 or fd00::2.");
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
        Clients = ReadAddresses(ref reader) is { Length: > 0 } clients ? clients : null,
        ServedAt = ReadAddress(ref reader),
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
