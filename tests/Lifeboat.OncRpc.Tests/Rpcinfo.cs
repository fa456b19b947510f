using System.Globalization;

namespace Lifeboat.OncRpc.Tests;

/// <summary>What the tests ask Debian's rpcinfo, over TCP or UDP, and how they read its tables.</summary>
internal static class Rpcinfo
{
    /// <summary>
    /// Pings portmap v2 and every version of the test program on a server at <paramref name="port"/>, and checks that
    /// MOUNT v3, which it does not serve, is reported unavailable. rpcinfo's -n would ask port 111 first, so the server
    /// is named by its universal address (h1.h2.h3.h4.p1.p2).
    /// </summary>
    public static async Task AssertProgramsAnswerAsync(int port, string transport)
    {
        var address = $"127.0.0.1.{port >> 8}.{port & 0xFF}";

        var v2 = await Tools.RunAsync("rpcinfo", "-a", address, "-T", transport, "100000", "2");
        Assert.True(v2.ExitCode == 0, v2.Output);
        Assert.Contains("program 100000 version 2 ready and waiting", v2.Output, StringComparison.Ordinal);

        // Without a version rpcinfo reads the supported range from a PROG_MISMATCH reply and tries each version.
        var all = await Tools.RunAsync("rpcinfo", "-a", address, "-T", transport, TestProgram.Number.ToString(CultureInfo.InvariantCulture));
        Assert.True(all.ExitCode == 0, all.Output);
        Assert.Contains($"program {TestProgram.Number} version 1 ready and waiting", all.Output, StringComparison.Ordinal);
        Assert.Contains($"program {TestProgram.Number} version 2 ready and waiting", all.Output, StringComparison.Ordinal);

        var missing = await Tools.RunAsync("rpcinfo", "-a", address, "-T", transport, "100005", "3");
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("100005", missing.Output, StringComparison.Ordinal);
        Assert.Contains("unavailable", missing.Output, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The first <paramref name="columns"/> columns of each row of an rpcinfo table, its header skipped.</summary>
    public static string[] Rows(string output, int columns) =>
        [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Skip(1)
            .Select(line => string.Join(' ', line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..columns]))];
}
