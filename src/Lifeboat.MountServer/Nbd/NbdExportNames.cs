using System.Globalization;

namespace Lifeboat.MountServer.Nbd;

/// <summary>A published disk's NBD export name: <c>PUBLICATION/diskN</c>, like its file in the NFS datastore without the extension.</summary>
public static class NbdExportNames
{
    public static string Disk(string publication, int index) => $"{publication}/disk{index.ToString(CultureInfo.InvariantCulture)}";

    public static bool TryParse(string exportName, out string publication, out int index)
    {
        publication = "";
        index = -1;
        var slash = exportName.LastIndexOf('/');
        if (slash <= 0 || !exportName.AsSpan(slash + 1).StartsWith("disk", StringComparison.Ordinal))
            return false;
        var digits = exportName.AsSpan(slash + 5);
        if (digits.IsEmpty || digits.Length > 4 || (digits.Length > 1 && digits[0] == '0')
            || !int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out index))
            return false;
        publication = exportName[..slash];
        return true;
    }

    /// <summary>The URL libnbd takes (and QEMU's nbd driver, which needs its TLS credentials given apart for nbds://).</summary>
    public static string Url(string host, int port, string exportName, bool tls = false) =>
        $"{(tls ? "nbds" : "nbd")}://{host}:{port.ToString(CultureInfo.InvariantCulture)}/{exportName}";

    /// <summary>The URL of an export on a unix socket, as QEMU and libnbd take it.</summary>
    public static string UnixUrl(string exportName, string socketPath) => $"nbd+unix:///{exportName}?socket={Uri.EscapeDataString(socketPath).Replace("%2F", "/", StringComparison.Ordinal)}";
}
