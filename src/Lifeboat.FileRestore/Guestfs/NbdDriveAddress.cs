using Lifeboat.Nbd.Server;

namespace Lifeboat.FileRestore.Guestfs;

/// <summary>
/// A <see cref="GuestDrive.NbdUrl"/> as libguestfs's add_drive wants it: server <c>unix:PATH</c> or
/// <c>tcp:HOST:PORT</c>, and the export's name.
/// </summary>
internal sealed record NbdDriveAddress(string Server, string ExportName)
{
    /// <exception cref="FileRestoreException">The URL is not <c>nbd+unix:///EXPORT?socket=PATH</c> or <c>nbd://HOST:PORT/EXPORT</c>.</exception>
    public static NbdDriveAddress Parse(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (url.StartsWith("nbd+unix://", StringComparison.Ordinal))
        {
            var rest = url["nbd+unix://".Length..];
            var query = rest.IndexOf('?', StringComparison.Ordinal);
            const string socketKey = "socket=";
            if (query >= 0)
            {
                foreach (var pair in rest[(query + 1)..].Split('&'))
                {
                    if (pair.StartsWith(socketKey, StringComparison.Ordinal) && pair.Length > socketKey.Length)
                        return new NbdDriveAddress("unix:" + Uri.UnescapeDataString(pair[socketKey.Length..]), Export(rest[..query]));
                }
            }
        }
        else if (url.StartsWith("nbd://", StringComparison.Ordinal))
        {
            var rest = url["nbd://".Length..];
            var slash = rest.IndexOf('/', StringComparison.Ordinal);
            var authority = slash < 0 ? rest : rest[..slash];
            var colon = authority.LastIndexOf(':');
            var port = colon < 0 ? NbdServerOptions.DefaultPort.ToString(System.Globalization.CultureInfo.InvariantCulture) : authority[(colon + 1)..];
            var host = colon < 0 ? authority : authority[..colon];
            if (host.Length > 0 && int.TryParse(port, System.Globalization.CultureInfo.InvariantCulture, out var number) && number is > 0 and < 65536)
                return new NbdDriveAddress($"tcp:{host}:{number}", Export(slash < 0 ? string.Empty : rest[slash..]));
        }

        throw new FileRestoreException(
            $"The drive URL '{url}' is not an NBD export the appliance can open; give nbd+unix:///EXPORT?socket=PATH or nbd://HOST:PORT/EXPORT.",
            "drives");
    }

    private static string Export(string path) => Uri.UnescapeDataString(path.TrimStart('/'));
}
