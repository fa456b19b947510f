namespace Lifeboat.EndToEnd.Tests;

/// <summary>
/// `qemu-io` over an nfs:// URL: QEMU's own block layer and nfs driver (libnfs), one short-lived client per
/// call. It exits 0 only when every command succeeded, so a write followed by flush that exits 0 was
/// acknowledged and committed by the server.
/// </summary>
internal static class QemuIo
{
    /// <summary>A client that cannot reach the server gives up within seconds; this only bounds a hung one.</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    public static Task<ToolResult> RunAsync(NetworkNamespace network, string url, params string[] commands)
    {
        var arguments = new List<string> { "-f", "raw" };
        foreach (var command in commands)
        {
            arguments.Add("-c");
            arguments.Add(command);
        }

        arguments.Add(url);
        return network.RunAsync(Timeout, "qemu-io", [.. arguments]);
    }

    public static Task<ToolResult> WriteAndFlushAsync(NetworkNamespace network, string url, DiskPattern pattern) =>
        RunAsync(network, url, $"write -P {pattern.Byte} {pattern.Offset} {pattern.Length}", "flush");

    /// <summary>Reads the range back; qemu-io fails when a byte differs from the pattern.</summary>
    public static Task<ToolResult> ReadAndCheckAsync(NetworkNamespace network, string url, DiskPattern pattern) =>
        RunAsync(network, url, $"read -P {pattern.Byte} {pattern.Offset} {pattern.Length}");
}
