using System.Text.Json.Nodes;

namespace Lifeboat.Hypervisors.Qemu;

/// <summary>Turns a <see cref="QemuDisk"/> into the JSON of a <c>-blockdev</c> option: a format node over a protocol node.</summary>
internal static class QemuBlockdev
{
    private const string NfsScheme = "nfs://";

    /// <param name="nodeName">The format node's name (what <c>-device</c>, <c>blockdev-mirror</c> and NBD exports refer to).</param>
    public static JsonObject Build(QemuDisk disk, string nodeName)
    {
        var protocol = disk.Source.StartsWith(NfsScheme, StringComparison.OrdinalIgnoreCase)
            ? NfsNode(disk.Source)
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
