using System.Collections.Concurrent;
using System.Globalization;

namespace Lifeboat.Cli.Tests;

/// <summary>
/// `lifeboat mount-server --metrics-listen`: /metrics parses with the Prometheus project's own parser, and its
/// counters move by what real clients read: libnfs's nfs-cp over NFS, libnbd's nbdcopy over NBD. With
/// `--log-format json` every line of its log is one JSON object.
/// </summary>
public sealed class MountServerMetricsTests
{
    private const int MiB = 1 << 20;
    private const int DiskBytes = 4 * MiB;

    [Fact]
    public async Task Metrics_count_what_nfs_and_nbd_clients_read_and_the_log_is_one_json_object_per_line()
    {
        using var t = new TestFolder();
        var repo = t.Combine("repo");
        // TestDisks leaves [512K, 1M) of every MiB zero: 32 of the 64 blocks of 64 KiB hold data.
        TestDisks.Create(t.Combine("disk0.raw"), DiskBytes, seed: 91);
        LifeboatProcess.Run("repo", "init", repo).ShouldSucceed();
        LifeboatProcess.Run("backup", "--repo", repo, "--vm", "db", "--disk", t.Combine("disk0.raw")).ShouldSucceed();

        var port = FreePorts.Tcp();
        var nbdPort = FreePorts.Tcp();
        var metricsPort = FreePorts.Tcp();
        var log = new ConcurrentQueue<string>();
        var server = MountServerProcess.Start(repo, t.Combine("cache"), port, _ => { }, log.Enqueue,
            "--nbd-port", nbdPort.ToString(CultureInfo.InvariantCulture), "--publish", "db",
            "--metrics-listen", $"127.0.0.1:{metricsPort}", "--log-format", "json", "--log-level", "Debug");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{metricsPort}/") };
        try
        {
            var nfs = $"nfs://127.0.0.1/lifeboat/db/disk0.raw?nfsport={port}&mountport={port}";
            var start = await Scrape(http);
            Assert.Equal(1, start.Value("lifeboat_mount_server_publications"));
            Assert.Equal(1, start.Value("lifeboat_mount_server_published_disks"));

            // First read: every block with data is decoded from the backup and handed to the hydration file.
            NfsCopy(nfs, t.Combine("first.raw"));
            var first = await Scrape(http);
            Assert.Equal("counter", first.TypeOf("lifeboat_nfs_operations"));
            Assert.Equal("counter", first.TypeOf("lifeboat_nfs_read_bytes"));
            Assert.Equal("histogram", first.TypeOf("lifeboat_nfs_operation_duration_seconds"));
            Assert.Equal("gauge", first.TypeOf("lifeboat_disk_hydration_hit_ratio"));
            var reads = first.Delta(start, "lifeboat_nfs_operations_total", ("procedure", "READ"));
            Assert.True(reads >= DiskBytes / MiB, $"nfs-cp read {DiskBytes} bytes in {reads} READ calls");
            Assert.Equal(reads, first.Delta(start, "lifeboat_nfs_operation_duration_seconds_count", ("procedure", "READ")));
            Assert.Equal(reads, first.Delta(start, "lifeboat_nfs_operation_duration_seconds_bucket", ("procedure", "READ"), ("le", "+Inf")));
            Assert.True(first.Delta(start, "lifeboat_nfs_operation_duration_seconds_sum", ("procedure", "READ")) > 0);
            Assert.Equal(DiskBytes, first.Delta(start, "lifeboat_nfs_read_bytes_total"));
            Assert.True(first.Delta(start, "lifeboat_disk_hydration_misses_total") >= 1);
            Assert.Equal(0, first.Delta(start, "lifeboat_disk_hydration_hits_total"));
            Assert.True(first.Delta(start, "lifeboat_block_cache_misses_total") >= 32, "each of the 32 blocks with data is decoded once");
            Assert.True(first.Value("lifeboat_nfs_operations_total", ("procedure", "LOOKUP")) >= 1);
            Assert.True(first.Value("lifeboat_mount_operations_total", ("procedure", "MNT")) >= 1);

            // Once the copies are stored, the same read is served by the hydration file: nothing is decoded again.
            var hydrated = await WaitForHydrationAsync(http, DiskBytes / 2);
            NfsCopy(nfs, t.Combine("second.raw"));
            var second = await Scrape(http);
            Assert.True(second.Delta(hydrated, "lifeboat_disk_hydration_hits_total") >= 1);
            Assert.Equal(0, second.Delta(hydrated, "lifeboat_block_cache_misses_total"));
            Assert.True(second.Value("lifeboat_disk_hydration_hit_ratio") > 0);
            Assert.Equal(DiskBytes, second.Delta(hydrated, "lifeboat_nfs_read_bytes_total"));
            Assert.Equal(TestDisks.Sha256(t.Combine("disk0.raw")), TestDisks.Sha256(t.Combine("first.raw")));
            Assert.Equal(TestDisks.Sha256(t.Combine("disk0.raw")), TestDisks.Sha256(t.Combine("second.raw")));

            // The same disk over NBD, every byte asked for (no extents: nbdcopy would skip the zero half).
            MountServerNbdTests.Tool("nbdcopy", "--no-extents", $"nbd://127.0.0.1:{nbdPort}/db/disk0", t.Combine("over-nbd.raw"));
            var third = await Scrape(http);
            var nbdReads = third.Delta(second, "lifeboat_nbd_operations_total", ("command", "READ"));
            Assert.True(nbdReads >= 1);
            Assert.Equal(nbdReads, third.Delta(second, "lifeboat_nbd_operation_duration_seconds_count", ("command", "READ")));
            Assert.Equal(DiskBytes, third.Delta(second, "lifeboat_nbd_read_bytes_total"));
            Assert.Equal(0, third.Delta(second, "lifeboat_nfs_operations_total", ("procedure", "READ")));
            Assert.Equal(TestDisks.Sha256(t.Combine("disk0.raw")), TestDisks.Sha256(t.Combine("over-nbd.raw")));

            // A write over NBD lands in the write cache, which then serves its read.
            MountServerNbdTests.Tool("qemu-io", "-f", "raw", "-c", "write -P 0x5c 1m 64k", "-c", "flush", "-c", "read -P 0x5c 1m 64k", $"nbd://127.0.0.1:{nbdPort}/db/disk0");
            var fourth = await Scrape(http);
            Assert.True(fourth.Delta(third, "lifeboat_nbd_operations_total", ("command", "WRITE")) >= 1);
            Assert.True(fourth.Delta(third, "lifeboat_nbd_operations_total", ("command", "FLUSH")) >= 1);
            Assert.Equal(64 << 10, fourth.Delta(third, "lifeboat_nbd_write_bytes_total"));
            Assert.True(fourth.Delta(third, "lifeboat_disk_write_cache_reads_total") >= 1);
            Assert.True(fourth.Value("lifeboat_mount_server_write_cache_bytes") >= 64 << 10);
        }
        finally
        {
            if (!server.HasExited)
                server.Kill();
            await server.WaitForExitAsync();
            server.Dispose();
        }

        var messages = JsonLogLines.AssertAllObjects(log);
        Assert.Contains(messages, m => m.Contains("Mount server listening on", StringComparison.Ordinal));
    }

    [Fact]
    public void Metrics_are_served_on_loopback_only()
    {
        using var t = new TestFolder();
        LifeboatProcess.Run("repo", "init", t.Combine("repo")).ShouldSucceed();
        var result = LifeboatProcess.Run("mount-server", "--repo", t.Combine("repo"), "--cache", t.Combine("cache"), "--nfs-port", "0", "--portmap-port", "0", "--nbd-port", "0",
            "--metrics-listen", "0.0.0.0:9108");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("--metrics-listen", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("loopback", result.Stderr, StringComparison.Ordinal);
    }

    private static Task<PrometheusScrape> Scrape(HttpClient http) => PrometheusScrape.FetchAsync(http, "metrics");

    private static void NfsCopy(string url, string destination) => MountServerNbdTests.Tool("nfs-cp", url, destination);

    /// <summary>Waits until the hydration files hold at least <paramref name="bytes"/> and stop growing.</summary>
    private static async Task<PrometheusScrape> WaitForHydrationAsync(HttpClient http, long bytes)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        var previous = await Scrape(http);
        while (true)
        {
            await Task.Delay(200);
            var now = await Scrape(http);
            var held = now.Value("lifeboat_mount_server_hydrated_bytes");
            if (held >= bytes && held == previous.Value("lifeboat_mount_server_hydrated_bytes"))
                return now;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"The hydration files hold {held} bytes after 30 s, fewer than {bytes}.");
            previous = now;
        }
    }
}
