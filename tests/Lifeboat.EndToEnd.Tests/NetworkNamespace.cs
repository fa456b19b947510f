using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;

namespace Lifeboat.EndToEnd.Tests;

/// <summary>
/// A private network namespace with only a loopback interface. QEMU's nfs:// driver finds MOUNT and NFS
/// through portmap on port 111 only, which the machine's rpcbind or another test may hold; inside a
/// namespace of its own each scenario has 111 and 2049 to itself. Disposing kills what still runs in it
/// (everything there was started by the test) and deletes it.
/// </summary>
internal sealed class NetworkNamespace : IDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);

    private NetworkNamespace(string name)
    {
        Name = name;
    }

    public string Name { get; }

    public static async Task<NetworkNamespace> CreateAsync()
    {
        var name = "lb-e2e-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        (await Tools.RunAsync("ip", "netns", "add", name)).ShouldSucceed();
        var created = new NetworkNamespace(name);
        try
        {
            (await Tools.RunAsync("ip", "-n", name, "link", "set", "lo", "up")).ShouldSucceed();
        }
        catch
        {
            created.Dispose();
            throw;
        }

        return created;
    }

    /// <summary>A start of <paramref name="fileName"/> inside the namespace (<c>ip netns exec</c> execs it: the pid is the tool's).</summary>
    public ProcessStartInfo StartInfo(string fileName, params IEnumerable<string> arguments) =>
        Tools.StartInfo("ip", ["netns", "exec", Name, fileName, .. arguments]);

    public Task<ToolResult> RunAsync(TimeSpan timeout, string fileName, params string[] arguments) =>
        Tools.RunAsync(StartInfo(fileName, arguments), timeout);

    /// <summary>
    /// A script that runs <paramref name="program"/> inside the namespace with the arguments it is given: for
    /// launchers that take only the path of the binary to run.
    /// </summary>
    public string WriteWrapperScript(string folder, string program)
    {
        var path = Path.Combine(folder, program + "-in-" + Name);
        File.WriteAllText(path, $"#!/bin/sh\nexec ip netns exec {Name} {program} \"$@\"\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    public void Dispose()
    {
        KillProcessesInside();
        var deleted = Tools.RunAsync(Tools.StartInfo("ip", ["netns", "delete", Name]), CommandTimeout).GetAwaiter().GetResult();
        if (!deleted.Succeeded)
        {
            throw new InvalidOperationException($"The network namespace {Name} could not be deleted; remove it with `ip netns delete {Name}`. {deleted}");
        }
    }

    private void KillProcessesInside()
    {
        var pids = Tools.RunAsync(Tools.StartInfo("ip", ["netns", "pids", Name]), CommandTimeout).GetAwaiter().GetResult();
        foreach (var line in pids.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                using var process = Process.GetProcessById(pid);
                process.Kill();
                process.WaitForExit(TimeSpan.FromSeconds(10));
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
            {
                // It ended by itself meanwhile.
            }
        }
    }
}
