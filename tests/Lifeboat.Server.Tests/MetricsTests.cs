using System.Net.Http.Json;
using System.Security.Cryptography;
using Lifeboat.Server.Api;
using Lifeboat.Server.Sessions;
using Lifeboat.Server.Tests.Support;

namespace Lifeboat.Server.Tests;

/// <summary>
/// GET /metrics of a real server, with the data folder's API token: parsed with the Prometheus project's own parser, its counters move by what libnfs's
/// nfs-cp reads from a published disk, and its gauges follow the session. With `--log-format json` every line the
/// server logs is one JSON object. In the guest collection, which holds port 111: a session checks that QEMU would find
/// the mount server through portmap there.
/// </summary>
[Collection(GuestCollection.Name)]
public sealed class MetricsTests
{
    private const int DiskMiB = 4;
    private const long DiskBytes = DiskMiB << 20;

    [Fact]
    public async Task Metrics_move_when_a_client_reads_a_published_disk_and_the_log_is_one_json_object_per_line()
    {
        using var folder = new TestFolder();
        var disk = TestDisk.Create(folder.Combine("disk0.raw"), DiskMiB, seed: 11);
        var hardware = folder.Combine("plain.json");
        await File.WriteAllTextAsync(hardware, """{"cpus": 1, "memoryMiB": 256, "diskBus": "virtio"}""");
        await using var server = await ServerProcess.StartAsync(folder.Combine("data"), "--log-format", "json", "--nfs-port", "0", "--nbd-port", "0");
        await server.BackupAsync("plain", disk, hardware);

        // Metrics are for a signed-in viewer: without the token the server says who it wants.
        using (var anonymous = new HttpClient { BaseAddress = server.Http.BaseAddress })
        using (var refused = await anonymous.GetAsync("metrics"))
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.StatusCode);

        var idle = await Scrape(server);
        Assert.Equal("counter", idle.TypeOf("lifeboat_backups"));
        Assert.Equal(0, idle.Value("lifeboat_backups_total", ("outcome", "failed")));
        Assert.Equal("counter", idle.TypeOf("lifeboat_verifications"));
        Assert.Equal(0, idle.Value("lifeboat_verifications_total", ("outcome", "passed")));
        Assert.Equal("gauge", idle.TypeOf("lifeboat_sessions"));
        Assert.Equal(0, idle.Value("lifeboat_sessions", ("state", "ready")));
        Assert.Equal(0, idle.Value("lifeboat_mount_server_publications"));
        Assert.True(idle.Value("process_working_set_bytes") > 0);

        // Published, never powered on: the disk is read by nfs-cp alone.
        var session = await server.RecoverAsync(new RecoveryRequest { Vm = "plain", PowerOn = false });
        var ready = await server.WaitAsync(session.Id, s => s.State != SessionState.Starting, TimeSpan.FromMinutes(2));
        Assert.True(ready.State == SessionState.Ready, $"The session is {ready.State}: {ready.Error}{Environment.NewLine}{ServerProcess.Describe(ready)}");
        var info = (await server.Http.GetFromJsonAsync("api/server", ContractsJsonContext.Default.ServerInfoView))!;
        var nfsPort = System.Net.IPEndPoint.Parse(info.NfsEndPoint).Port;
        var url = $"{ready.DiskUrls[0]}?nfsport={nfsPort}&mountport={nfsPort}";

        var before = await Scrape(server);
        Assert.Equal(1, before.Value("lifeboat_sessions", ("state", "ready")));
        Assert.Equal(1, before.Value("lifeboat_mount_server_publications"));
        Assert.Equal(1, before.Value("lifeboat_mount_server_published_disks"));
        await Tools.RunOkAsync("nfs-cp", url, folder.Combine("copy.raw"));
        var after = await Scrape(server);

        var reads = after.Delta(before, "lifeboat_nfs_operations_total", ("procedure", "READ"));
        Assert.True(reads >= DiskMiB, $"nfs-cp read {DiskBytes} bytes in {reads} READ calls");
        Assert.Equal(reads, after.Delta(before, "lifeboat_nfs_operation_duration_seconds_count", ("procedure", "READ")));
        Assert.Equal(reads, after.Delta(before, "lifeboat_nfs_operation_duration_seconds_bucket", ("procedure", "READ"), ("le", "+Inf")));
        Assert.Equal(DiskBytes, after.Delta(before, "lifeboat_nfs_read_bytes_total"));
        Assert.True(after.Delta(before, "lifeboat_disk_hydration_misses_total") >= 1);
        // Random bytes: all 64 blocks of 64 KiB hold data, each decoded once.
        Assert.True(after.Delta(before, "lifeboat_block_cache_misses_total") >= DiskBytes / (64 << 10));
        Assert.Equal(SHA256.HashData(await File.ReadAllBytesAsync(disk)), SHA256.HashData(await File.ReadAllBytesAsync(folder.Combine("copy.raw"))));

        await Recovery.StopCleanlyAsync(server, ready.Id);
        var stopped = await Scrape(server);
        Assert.Equal(0, stopped.Value("lifeboat_sessions", ("state", "ready")));
        Assert.Equal(1, stopped.Value("lifeboat_sessions", ("state", "stopped")));
        Assert.Equal(0, stopped.Value("lifeboat_mount_server_publications"));

        await server.KillAsync();
        // The first start's password notice is printed, not logged, but in JSON mode it is an object like the log's lines.
        var messages = JsonLogLines.AssertAllObjects(await File.ReadAllLinesAsync(server.LogPath));
        Assert.Contains(messages, m => m.StartsWith("Lifeboat: first start; created user 'admin'", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith("Lifeboat server: data in", StringComparison.Ordinal));
    }

    private static Task<PrometheusScrape> Scrape(ServerProcess server) => PrometheusScrape.FetchAsync(server.Http, "metrics");
}
