using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using Lifeboat.Testing.Processes;

namespace Lifeboat.Testing.Hosts;

/// <summary>
/// A test host's network namespace and the veth pair that joins it to this machine, on a random /30 of 198.18.0.0/15
/// no interface here uses; and the sweep of hosts a killed test run left behind. Addresses are chosen, and stale
/// hosts swept, under a machine-wide lock so that two test projects may start hosts at once.
/// </summary>
internal static class LibvirtTestHostNetwork
{
    private const string AddressLockPath = "/tmp/lifeboat-libvirt-test-host.lock";
    private const int BenchmarkRangeBlocks = 1 << 15; // the /30 blocks of 198.18.0.0/15
    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    // An flock, which .NET takes for FileShare.None: held by another instance, in this process or another, it throws.
    public static async Task<FileStream> LockAddressesAsync()
    {
        var deadline = DateTime.UtcNow + LockTimeout;
        while (true)
        {
            try
            {
                return new FileStream(AddressLockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(PollInterval);
            }
        }
    }

    /// <summary>A /30 no interface of this machine lies in: this machine's address on it and the host's.</summary>
    public static async Task<(IPAddress Local, IPAddress Host)> ChooseAddressesAsync()
    {
        var addresses = await Tools.RunCheckedAsync("ip", "-o", "-4", "addr", "show");
        var used = addresses.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(word => word.Split('/')[0])
            .Select(word => IPAddress.TryParse(word, out var address) ? BlockOf(address) : -1)
            .ToHashSet();
        int block;
        do
        {
            block = RandomNumberGenerator.GetInt32(BenchmarkRangeBlocks);
        }
        while (used.Contains(block));

        byte second = (byte)(18 | (block >> 14)), third = (byte)(block >> 6), fourth = (byte)((block & 0x3F) << 2);
        return (new IPAddress([198, second, third, (byte)(fourth + 1)]), new IPAddress([198, second, third, (byte)(fourth + 2)]));
    }

    /// <summary>Creates the namespace; <paramref name="created"/> runs as soon as it exists, so a failure after it still deletes it.</summary>
    public static async Task CreateAsync(LibvirtTestHost host, string insideInterface, Action created)
    {
        await Tools.RunCheckedAsync("ip", "netns", "add", host.NamespaceName);
        created();
        await Tools.RunCheckedAsync("ip", "link", "add", host.LocalInterface, "type", "veth", "peer", "name", insideInterface, "netns", host.NamespaceName);
        await Tools.RunCheckedAsync("ip", "addr", "add", $"{host.LocalAddress}/30", "dev", host.LocalInterface);
        await Tools.RunCheckedAsync("ip", "link", "set", host.LocalInterface, "up");
        await Tools.RunCheckedAsync("ip", "-n", host.NamespaceName, "addr", "add", $"{host.HostAddress}/30", "dev", insideInterface);
        await Tools.RunCheckedAsync("ip", "-n", host.NamespaceName, "link", "set", insideInterface, "up");
        await Tools.RunCheckedAsync("ip", "-n", host.NamespaceName, "link", "set", "lo", "up");
    }

    /// <summary>Kills every process in the namespace, then deletes it and the veth pair.</summary>
    public static async Task DeleteAsync(string namespaceName, string localInterface)
    {
        await KillEverythingInsideAsync(namespaceName);
        await Tools.RunAsync("ip", "netns", "delete", namespaceName);
        await Tools.RunAsync("ip", "link", "delete", localInterface); // gone with the namespace, unless that failed
    }

    // A test run that was killed leaves its namespace: its holder (which exits when its stdin closes) is gone.
    public static async Task RemoveStaleHostsAsync()
    {
        var (_, list) = await Tools.RunAsync("ip", "netns", "list");
        foreach (var name in list.Split('\n').Select(line => line.Split(' ')[0]).Where(name => name.StartsWith(LibvirtTestHost.NamePrefix, StringComparison.Ordinal)))
        {
            var id = name[LibvirtTestHost.NamePrefix.Length..];
            var holders = Directory.GetDirectories(Path.GetTempPath(), LibvirtTestHost.FolderPrefix + id + "-*")
                .Select(folder => Path.Combine(folder, LibvirtTestHostDaemon.HolderPidFile))
                .Where(File.Exists)
                .ToList();
            // The pid file appears whole (written beside, then renamed); one that cannot be read yet is a host starting.
            bool alive = holders.Any(file => !int.TryParse(File.ReadAllText(file).Trim(), out var pid) || Directory.Exists($"/proc/{pid}"));
            if (holders.Count == 0 || alive)
            {
                continue; // one being created holds no pid file yet; creation runs under the lock we hold
            }

            await DeleteAsync(name, LibvirtTestHost.LocalInterfaceOf(id));
            foreach (var holder in holders)
            {
                Directory.Delete(Path.GetDirectoryName(holder)!, recursive: true);
            }
        }
    }

    // The /30 block of 198.18.0.0/15 an address lies in, or -1.
    private static int BlockOf(IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        return bytes.Length == 4 && bytes[0] == 198 && (bytes[1] & 0xFE) == 18
            ? (((bytes[1] & 1) << 16) | (bytes[2] << 8) | bytes[3]) >> 2
            : -1;
    }

    private static async Task KillEverythingInsideAsync(string namespaceName)
    {
        var deadline = DateTime.UtcNow + StopTimeout;
        while (true)
        {
            var (_, output) = await Tools.RunAsync("ip", "netns", "pids", namespaceName);
            var pids = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(line => int.TryParse(line, out var pid) ? pid : 0)
                .Where(pid => pid > 0)
                .ToList();
            if (pids.Count == 0)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Processes {string.Join(", ", pids)} in network namespace {namespaceName} outlived SIGKILL.");
            foreach (var pid in pids)
            {
                try
                {
                    using var process = Process.GetProcessById(pid);
                    process.Kill();
                }
                catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
                {
                    // gone already
                }
            }

            await Task.Delay(PollInterval);
        }
    }
}
