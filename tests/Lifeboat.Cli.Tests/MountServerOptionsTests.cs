using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Lifeboat.Cli.Tests;

/// <summary>`lifeboat mount-server` with the memory and disk bounds users set, read end to end by libnfs's nfs-cat.</summary>
public sealed class MountServerOptionsTests
{
    [Theory]
    [InlineData("--block-cache", "256K", "--hydration-limit", "1M")]
    [InlineData("--block-cache", "128K", "--no-hydration")]
    public void Serves_disks_bit_exact_with_small_cache_bounds(params string[] bounds)
    {
        using var t = new TestFolder();
        var repo = t.Combine("repo");
        TestDisks.Create(t.Combine("disk0.raw"), 6 << 20, seed: 71);
        LifeboatProcess.Run("repo", "init", repo).ShouldSucceed();
        LifeboatProcess.Run("backup", "--repo", repo, "--vm", "db", "--disk", t.Combine("disk0.raw")).ShouldSucceed();

        var port = FreePorts.Tcp();
        using var server = MountServerProcess.Start(repo, t.Combine("cache"), port, ["--publish", "db", .. bounds]);
        try
        {
            var url = string.Create(CultureInfo.InvariantCulture, $"nfs://127.0.0.1/lifeboat/db/disk0.raw?nfsport={port}&mountport={port}");
            // Twice: the second read comes from what the first left in the bounded caches (or from the backup again).
            for (var pass = 0; pass < 2; pass++)
                Assert.Equal(TestDisks.Sha256(t.Combine("disk0.raw")), NfsCatSha256(url));
            var hydrated = Directory.EnumerateFiles(t.Combine("cache"), "*", SearchOption.AllDirectories).Sum(AllocatedOrLength);
            Assert.True(hydrated <= 2L << 20, $"the cache folder holds {hydrated} bytes for a disk of 6 MiB with hydration limited to 1 MiB or off");
        }
        finally
        {
            if (!server.HasExited)
                server.Kill();
            server.WaitForExit();
        }
    }

    [Fact]
    public void Rejects_a_size_it_cannot_read_and_names_the_option()
    {
        using var t = new TestFolder();
        LifeboatProcess.Run("repo", "init", t.Combine("repo")).ShouldSucceed();
        var result = LifeboatProcess.Run("mount-server", "--repo", t.Combine("repo"), "--cache", t.Combine("cache"), "--nfs-port", FreePorts.Tcp().ToString(CultureInfo.InvariantCulture),
            "--portmap-port", "0", "--nbd-port", "0", "--listen", "127.0.0.1", "--block-cache", "lots");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("--block-cache", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("'lots' is not a size", result.Stderr, StringComparison.Ordinal);
    }

    // Hydration files are sparse: count the blocks they hold, not their apparent length.
    private static long AllocatedOrLength(string path)
    {
        var info = new FileInfo(path);
        return OperatingSystem.IsLinux() ? Math.Min(info.Length, Allocated(path)) : info.Length;
    }

    private static long Allocated(string path)
    {
        var start = new ProcessStartInfo("du", ["--block-size=1", path]) { RedirectStandardOutput = true };
        using var du = Process.Start(start)!;
        var text = du.StandardOutput.ReadToEnd();
        du.WaitForExit();
        return long.Parse(text.Split('\t')[0], CultureInfo.InvariantCulture);
    }

    private static string NfsCatSha256(string url)
    {
        var start = new ProcessStartInfo("nfs-cat", [url]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var hash = Convert.ToHexStringLower(SHA256.HashData(process.StandardOutput.BaseStream));
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"nfs-cat {url} failed: {stderr.Result}");
        return hash;
    }
}
