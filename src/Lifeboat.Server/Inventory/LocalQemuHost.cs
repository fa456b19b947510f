using System.Globalization;
using Lifeboat.Hypervisors.Qemu;
using Lifeboat.Server.Sessions;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Server.Inventory;

/// <summary>The QEMU/KVM host the server runs on: what it has, and whether it can run a VM.</summary>
public sealed class LocalQemuHost(string qemuBinary, ILogger<LocalQemuHost> logger)
{
    public const string Id = "local";
    public const string Kind = "qemu";

    private const int MaxMeminfoBytes = 64 * 1024;

    public string QemuBinary { get; } = qemuBinary;

    public string Name { get; } = Environment.MachineName;

    public HostInfo Describe()
    {
        var (total, available) = ReadMemoryMiB();
        var installed = FindQemu() is not null;
        return new HostInfo(Id, Kind, Name, Environment.ProcessorCount, total, available, QemuBinary, installed,
            installed ? QemuAccelerator.Detect(logger).ToString().ToLowerInvariant() : null);
    }

    /// <summary>Checks the host can run a VM of <paramref name="cpus"/> CPUs and <paramref name="memoryMiB"/> MiB; returns what it found.</summary>
    /// <exception cref="SessionStepException">QEMU is missing or the host lacks CPUs or memory.</exception>
    public string CheckCanRun(int cpus, long memoryMiB)
    {
        if (FindQemu() is null)
        {
            throw new SessionStepException(
                $"QEMU ({QemuBinary}) is not installed on host {Name}; install the Debian package qemu-system-x86 (and qemu-block-extra for nfs:// disks), then recover again.");
        }

        var accelerator = QemuAccelerator.Detect(logger);
        if (cpus > Environment.ProcessorCount)
        {
            throw new SessionStepException(
                $"The VM needs {cpus} CPUs and host {Name} has {Environment.ProcessorCount}; recover it on a larger host.");
        }

        var (_, available) = ReadMemoryMiB();
        if (available > 0 && memoryMiB > available)
        {
            throw new SessionStepException(
                $"The VM needs {memoryMiB} MiB of memory and host {Name} has {available} MiB available; free memory (stop other VMs) and recover again.");
        }

        return $"{QemuBinary} with {accelerator.ToString().ToUpperInvariant()}; {Environment.ProcessorCount} CPUs, {available} MiB available for a VM of {cpus} CPUs and {memoryMiB} MiB";
    }

    private string? FindQemu()
    {
        if (QemuBinary.Contains('/', StringComparison.Ordinal))
            return File.Exists(QemuBinary) ? QemuBinary : null;
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(folder, QemuBinary);
            if (File.Exists(candidate))
                return candidate;
        }

        return null;
    }

    private static (long Total, long Available) ReadMemoryMiB()
    {
        string text;
        try
        {
            using var stream = new FileStream("/proc/meminfo", FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1);
            var buffer = new byte[MaxMeminfoBytes];
            var length = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            text = System.Text.Encoding.ASCII.GetString(buffer, 0, length);
        }
        catch (IOException)
        {
            return (0, 0);
        }

        long total = 0, available = 0;
        foreach (var line in text.Split('\n'))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 2 || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var kib))
                continue;
            if (parts[0] == "MemTotal:")
                total = kib / 1024;
            else if (parts[0] == "MemAvailable:")
                available = kib / 1024;
        }

        return (total, available);
    }
}
