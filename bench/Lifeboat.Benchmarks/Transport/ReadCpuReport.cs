using System.Diagnostics;

namespace Lifeboat.Benchmarks.Transport;

/// <summary>
/// `readcpu [SECONDS]`: the process's CPU time and managed bytes allocated per 4 KiB NFS READ and NBD READ at depths
/// 1 and 16 (client and server in this process, over loopback; the client allocates nothing per READ), NFS and NBD
/// interleaved in short slices so both see the same load.
/// </summary>
internal static class ReadCpuReport
{
    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = args.Length > 0 ? double.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 10;
        Console.WriteLine("| depth | protocol | READs | CPU µs per READ | wall µs per READ | bytes allocated per READ |");
        Console.WriteLine("| ---: | --- | ---: | ---: | ---: | ---: |");
        foreach (var depth in new[] { 1, 16 })
        {
            await using var servers = await ReadServers.StartAsync(depth);
            var totals = new Dictionary<string, (long Reads, TimeSpan Cpu, TimeSpan Wall, long Allocated)> { ["nfs"] = default, ["nbd"] = default };
            Slice(servers, "nfs", depth, TimeSpan.FromSeconds(1), null);
            Slice(servers, "nbd", depth, TimeSpan.FromSeconds(1), null);
            var until = Stopwatch.StartNew();
            while (until.Elapsed.TotalSeconds < seconds)
            {
                Slice(servers, "nfs", depth, TimeSpan.FromMilliseconds(250), totals);
                Slice(servers, "nbd", depth, TimeSpan.FromMilliseconds(250), totals);
            }

            foreach (var (protocol, (reads, cpu, wall, allocated)) in totals)
            {
                Console.WriteLine($"| {depth} | {protocol} | {reads} | {cpu.TotalMicroseconds / reads:F2} | {wall.TotalMicroseconds / reads:F2} | {(double)allocated / reads:F0} |");
            }
        }

        return 0;
    }

    private static void Slice(ReadServers servers, string protocol, int depth, TimeSpan length, Dictionary<string, (long Reads, TimeSpan Cpu, TimeSpan Wall, long Allocated)>? totals)
    {
        var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: false);
        var wall = Stopwatch.StartNew();
        long reads = 0;
        while (wall.Elapsed < length)
        {
            for (var i = 0; i < 16; i++)
            {
                if (protocol == "nfs")
                {
                    servers.NfsRound();
                }
                else
                {
                    servers.NbdRound();
                }

                reads += depth;
            }
        }

        wall.Stop();
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpuBefore;
        var allocated = GC.GetTotalAllocatedBytes(precise: false) - allocatedBefore;
        if (totals is not null)
        {
            var (r, c, w, a) = totals[protocol];
            totals[protocol] = (r + reads, c + cpu, w + wall.Elapsed, a + allocated);
        }
    }
}
