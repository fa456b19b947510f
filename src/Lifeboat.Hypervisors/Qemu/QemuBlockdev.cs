using System.Globalization;
using System.Text.Json.Nodes;
using Lifeboat.Nbd.Server;

namespace Lifeboat.Hypervisors.Qemu;

/// <summary>Turns a <see cref="QemuDisk"/> into the JSON of a <c>-blockdev</c> option: a format node over a protocol node.</summary>
internal static class QemuBlockdev
{
    private const string NfsScheme = "nfs://";
    private const string NbdScheme = "nbd://";
    private const string NbdUnixScheme = "nbd+unix://";

    /// <param name="nodeName">The format node's name (what <c>-device</c>, <c>blockdev-mirror</c> and NBD exports refer to).</param>
    public static JsonObject Build(QemuDisk disk, string nodeName)
    {
        var protocol = disk.Source.StartsWith(NfsScheme, StringComparison.OrdinalIgnoreCase) ? NfsNode(disk.Source)
            : disk.Source.StartsWith(NbdScheme, StringComparison.OrdinalIgnoreCase) || disk.Source.StartsWith(NbdUnixScheme, StringComparison.OrdinalIgnoreCase) ? NbdNode(disk.Source)
            : FileNode(disk.Source);
        protocol["node-name"] = nodeName + "-file";
        return new JsonObject
        {
            ["driver"] = disk.Format == QemuDiskFormat.Qcow2 ? "qcow2" : "raw",
            ["node-name"] = nodeName,
            ["read-only"] = disk.ReadOnly,
            ["file"] = protocol,
        };
    }

    private static JsonObject FileNode(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new ArgumentException("A disk has an empty source; give a file path or an nfs:// URL.");
        }

        return new JsonObject { ["driver"] = "file", ["filename"] = Path.GetFullPath(path) };
    }

    /// <summary>
    /// Maps <c>nbd://host[:port]/EXPORT</c> and <c>nbd+unix:///EXPORT?socket=PATH</c> (the URL forms of QEMU and
    /// libnbd) onto the nbd driver's options. The export name is the whole path after the first slash.
    /// </summary>
    private static JsonObject NbdNode(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            throw new ArgumentException($"The disk source {url} is not a valid nbd://host:port/export URL.");
        }

        var export = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        JsonObject server;
        if (uri.Scheme.Equals("nbd+unix", StringComparison.OrdinalIgnoreCase))
        {
            var query = uri.Query.TrimStart('?');
            if (!query.StartsWith("socket=", StringComparison.Ordinal) || query.Contains('&', StringComparison.Ordinal))
            {
                throw new ArgumentException($"The disk source {url} needs exactly ?socket=PATH, the unix socket of the NBD server.");
            }

            server = new JsonObject { ["type"] = "unix", ["path"] = Uri.UnescapeDataString(query["socket=".Length..]) };
        }
        else
        {
            if (string.IsNullOrEmpty(uri.Host) || uri.Query.Length > 0)
            {
                throw new ArgumentException($"The disk source {url} is not a valid nbd://host:port/export URL.");
            }

            var port = (uri.Port == -1 ? NbdServerOptions.DefaultPort : uri.Port).ToString(CultureInfo.InvariantCulture);
            server = new JsonObject { ["type"] = "inet", ["host"] = uri.IdnHost, ["port"] = port };
        }

        return new JsonObject { ["driver"] = "nbd", ["server"] = server, ["export"] = export };
    }

    /// <summary>
    /// Maps the URL form libnfs and <c>qemu-img</c> accept onto the nfs driver's options. QEMU's driver takes
    /// no ports (it asks portmap), so a URL with a port or nfsport/mountport is refused rather than ignored.
    /// </summary>
    private static JsonObject NfsNode(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host) || uri.AbsolutePath.Length <= 1)
        {
            throw new ArgumentException($"The disk source {url} is not a valid nfs://host/export/file URL.");
        }

        if (uri.Port != -1)
        {
            throw new ArgumentException(
                $"The disk source {url} names a port; QEMU's nfs driver finds MOUNT and NFS through portmap on port 111 instead.");
        }

        var node = new JsonObject
        {
            ["driver"] = "nfs",
            ["server"] = new JsonObject { ["type"] = "inet", ["host"] = uri.IdnHost },
            ["path"] = Uri.UnescapeDataString(uri.AbsolutePath),
        };
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var separator = pair.IndexOf('=', StringComparison.Ordinal);
            var key = separator < 0 ? pair : pair[..separator];
            var value = separator < 0 ? string.Empty : Uri.UnescapeDataString(pair[(separator + 1)..]);
            var option = key switch
            {
                "uid" => "user",
                "gid" => "group",
                "tcp-syncnt" => "tcp-syn-count",
                "readahead" => "readahead-size",
                "pagecache" => "page-cache-size",
                "debug" => "debug",
                _ => throw new ArgumentException(
                    $"The disk source {url} has the parameter '{key}', which QEMU's nfs driver does not take (it takes uid, gid, tcp-syncnt, readahead, pagecache, debug)."),
            };
            if (!long.TryParse(value, out var number) || number < 0)
            {
                throw new ArgumentException($"The parameter '{key}' of the disk source {url} must be a non-negative number.");
            }

            node[option] = number;
        }

        return node;
    }
}
