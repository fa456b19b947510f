using System.Globalization;
using System.Text;

namespace Lifeboat.Hypervisors.Qemu.Host;

/// <summary>What this machine has for the VMs it runs itself: memory, and programs on its PATH.</summary>
internal static class LocalMachine
{
    private const int MaxMeminfoBytes = 64 * 1024;

    /// <summary>Total and available memory in MiB from <c>/proc/meminfo</c>; zeros when it cannot be read.</summary>
    public static (long Total, long Available) ReadMemoryMiB()
    {
        string text;
        try
        {
            using var stream = new FileStream("/proc/meminfo", FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1);
            var buffer = new byte[MaxMeminfoBytes];
            var length = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            text = Encoding.ASCII.GetString(buffer, 0, length);
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

    /// <summary>The program's path: as given when it names a folder, else the first match on PATH; null when missing.</summary>
    public static string? FindProgram(string program)
    {
        if (program.Contains('/', StringComparison.Ordinal))
            return File.Exists(program) ? program : null;
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(folder, program);
            if (File.Exists(candidate))
                return candidate;
        }

        return null;
    }
}
