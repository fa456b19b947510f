using System.Diagnostics;
using System.Globalization;

namespace Lifeboat.Benchmarks.Authentication;

/// <summary>
/// `auth [ROUNDS]`: the three ways of calling, interleaved round by round (open, token, cookie, in turn), so that
/// the load of a shared machine falls on all three alike; prints each one's median and 90th percentile per call
/// and their ratios to the call without authentication, and the process CPU time per call of each.
/// </summary>
internal static class AuthenticationCostReport
{
    public static async Task<int> RunAsync(string[] args)
    {
        var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20_000;
        await using var apps = await AuthenticatedApps.StartAsync();
        var ways = new (string Name, HttpClient Client)[] { ("no authentication", apps.Open), ("API token", apps.Token), ("browser cookie", apps.Cookie) };
        var times = ways.Select(_ => new double[rounds]).ToArray();
        var cpu = new TimeSpan[ways.Length];
        for (var warm = 0; warm < 2000; warm++)
        {
            foreach (var (_, client) in ways)
                await client.GetStringAsync(AuthenticatedApps.ProbePath);
        }

        var process = Process.GetCurrentProcess();
        for (var round = 0; round < rounds; round++)
        {
            for (var way = 0; way < ways.Length; way++)
            {
                var cpuBefore = process.TotalProcessorTime;
                var clock = Stopwatch.StartNew();
                await ways[way].Client.GetStringAsync(AuthenticatedApps.ProbePath);
                times[way][round] = clock.Elapsed.TotalMicroseconds;
                process.Refresh();
                cpu[way] += process.TotalProcessorTime - cpuBefore;
            }
        }

        Console.WriteLine($"{rounds} rounds, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at the end");
        Console.WriteLine("| way in | median µs | p90 µs | median ratio | CPU µs per call | CPU ratio |");
        Console.WriteLine("| --- | --- | --- | --- | --- | --- |");
        var baseMedian = Percentile(times[0], 0.5);
        var baseCpu = cpu[0].TotalMicroseconds / rounds;
        for (var way = 0; way < ways.Length; way++)
        {
            var median = Percentile(times[way], 0.5);
            var perCall = cpu[way].TotalMicroseconds / rounds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {ways[way].Name} | {median:0} | {Percentile(times[way], 0.9):0} | {median / baseMedian:0.00} | {perCall:0} | {perCall / baseCpu:0.00} |"));
        }

        return 0;
    }

    private static double Percentile(double[] values, double fraction)
    {
        var sorted = values.Order().ToArray();
        return sorted[(int)Math.Min(sorted.Length - 1, fraction * sorted.Length)];
    }
}
