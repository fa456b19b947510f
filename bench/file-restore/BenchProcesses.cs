using System.Diagnostics;
using System.Globalization;

namespace Lifeboat.Bench.FileRestore;

/// <summary>The peers the bench starts (qemu-nbd, guestfish, nbdcopy) and the memory of this process and its QEMUs.</summary>
internal static class BenchProcesses
{
    public static Dictionary<string, string> GuestfsEnvironment(bool kvm) => kvm
        ? new() { ["LIBGUESTFS_BACKEND"] = "direct" }
        : new() { ["LIBGUESTFS_BACKEND"] = "direct", ["LIBGUESTFS_BACKEND_SETTINGS"] = "force_tcg" };

    public static string Run(string fileName, IEnumerable<string> arguments, Dictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? [])
            start.Environment[name] = value;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{fileName} did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{fileName} {string.Join(' ', arguments)} exited {process.ExitCode}: {stdout.Result}{stderr.Result}");
        return stdout.Result;
    }

    /// <summary>qemu-nbd serving a raw file read-only on a unix socket; returns the process and the export's URL.</summary>
    public static (Process Server, string Url) ServeNbd(string rawDisk, string exportName, string folder)
    {
        var socket = Path.Combine(folder, exportName + ".sock");
        var start = new ProcessStartInfo("qemu-nbd") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "--read-only", "--format=raw", "--persistent", "--shared=8", "--socket", socket, "--export-name", exportName, rawDisk })
            start.ArgumentList.Add(argument);
        var server = Process.Start(start) ?? throw new InvalidOperationException("qemu-nbd did not start.");
        var url = $"nbd+unix:///{exportName}?socket={socket}";
        for (var waited = Stopwatch.StartNew(); ; Thread.Sleep(100))
        {
            if (File.Exists(socket))
            {
                try
                {
                    Run("qemu-img", ["info", url]);
                    return (server, url);
                }
                catch (InvalidOperationException) when (waited.Elapsed < TimeSpan.FromSeconds(60))
                {
                }
            }

            if (server.HasExited || waited.Elapsed > TimeSpan.FromSeconds(60))
                throw new InvalidOperationException($"qemu-nbd does not serve {rawDisk}.");
        }
    }

    public static void Stop(Process process)
    {
        if (!process.HasExited)
            process.Kill();
        process.WaitForExit();
        process.Dispose();
    }

    /// <summary>Resident memory of this process and the sum over its QEMU children (the appliances), in MiB.</summary>
    public static (double Server, double Appliances) ResidentMegabytes()
    {
        GC.Collect();
        var self = Environment.ProcessId;
        double appliances = 0;
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), CultureInfo.InvariantCulture, out var pid))
                continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(folder, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[1], CultureInfo.InvariantCulture) == self && stat.Contains("(qemu-system", StringComparison.Ordinal))
                    appliances += Resident(pid);
            }
            catch (IOException)
            {
            }
        }

        return (Resident(self), appliances);
    }

    private static double Resident(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
        }

        return 0;
    }
}
