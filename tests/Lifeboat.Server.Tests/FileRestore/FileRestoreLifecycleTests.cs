using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Lifeboat.FileRestore;
using Lifeboat.Hypervisors.Qemu;
using Lifeboat.Repository;
using Lifeboat.Server.Contracts.FileRestore;
using Lifeboat.Server.Tests.Support;

namespace Lifeboat.Server.Tests.FileRestore;

/// <summary>
/// How file-restore sessions end without a close: idle too long, or the server killed (its next start removes what they
/// had published). A server of its own with a 3-second idle timeout and memory for one appliance and a half, over a small disk without file systems.
/// </summary>
public sealed class FileRestoreLifecycleTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task An_idle_session_closes_and_a_killed_server_leaves_nothing_published_at_its_next_start()
    {
        using var folder = new TestFolder();
        // Memory for one appliance and a half: a second session is refused.
        var oneAppliance = new FileRestoreApplianceOptions { Kvm = QemuAccelerator.Detect() == QemuAcceleratorKind.Kvm }.ReservedMegabytes;
        await using var server = await ServerProcess.StartAsync(
            folder.Combine("data"), [.. ServerProcess.OwnPorts(), "--file-restore-idle", "3", "--file-restore-memory", (oneAppliance * 3 / 2).ToString(CultureInfo.InvariantCulture)]);
        var disk = folder.Combine("blank.raw");
        await File.WriteAllBytesAsync(disk, new byte[8 << 20]);
        using (var repository = BackupRepository.Open(server.RepositoryPath, password: null))
            await repository.BackupAsync(new BackupRequest("blank", [disk]));
        using var http = new HttpClient { BaseAddress = server.Http.BaseAddress, Timeout = TimeSpan.FromMinutes(8) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", server.Token);

        var idle = await OpenAsync(http);
        await WaitAsync(async () => !(await ListAsync(http)).Any(s => s.Id == idle.Id), "the idle session to close");
        // It leaves the list when it starts closing; the log line comes once its appliance is down and its publication removed.
        await server.WaitForLogAsync($"File-restore session {idle.Id} closed (idle", Patience);
        Assert.Equal(0, await PublicationsAsync(http));
        using (var gone = await http.GetAsync(FileRestoreCalls.Session(idle.Id)))
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        var audit = await http.GetStringAsync("api/audit?action=file-restore.close");
        Assert.Contains($"file-restore session {idle.Id} ", audit, StringComparison.Ordinal);
        Assert.Contains("ok: idle for", audit, StringComparison.Ordinal);

        var kept = await OpenAsync(http);
        Assert.Equal(1, await PublicationsAsync(http));

        // A second session is refused before anything is published.
        using (var refused = await http.PostAsJsonAsync("api/file-restores", new OpenFileRestoreRequest("blank", "latest"), ContractsJsonContext.Default.OpenFileRestoreRequest))
        {
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            Assert.Contains($"File-restore sessions are at the appliances' memory limit (1 at once: {oneAppliance * 3 / 2} MiB for appliances of {oneAppliance} MiB each)", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal(1, await PublicationsAsync(http));
        await server.KillAsync();
        await server.StartAgainAsync();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", server.Token);
        Assert.Empty(await ListAsync(http));
        await WaitAsync(async () => await PublicationsAsync(http) == 0, "the killed session's publication to be removed");
        await server.WaitForLogAsync("left by a file-restore session of the server's last run", TimeSpan.FromSeconds(10));
        using (var gone = await http.GetAsync(FileRestoreCalls.Session(kept.Id)))
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    private static async Task<FileRestoreSessionView> OpenAsync(HttpClient http)
    {
        using var answer = await http.PostAsJsonAsync("api/file-restores", new OpenFileRestoreRequest("blank", null), ContractsJsonContext.Default.OpenFileRestoreRequest);
        Assert.True(answer.StatusCode == HttpStatusCode.Created, $"{answer.StatusCode}: {await answer.Content.ReadAsStringAsync()}");
        return (await answer.Content.ReadFromJsonAsync(ContractsJsonContext.Default.FileRestoreSessionView))!;
    }

    private static Task<List<FileRestoreSessionView>> ListAsync(HttpClient http) => http.GetAsync("api/file-restores", ContractsJsonContext.Default.ListFileRestoreSessionView);

    private static async Task<int> PublicationsAsync(HttpClient http) => (await http.GetAsync("api/server", ContractsJsonContext.Default.ServerInfoView)).Publications;

    private static async Task WaitAsync(Func<Task<bool>> done, string what)
    {
        var elapsed = Stopwatch.StartNew();
        while (!await done())
        {
            Assert.True(elapsed.Elapsed < Patience, $"Waited {Patience} for {what}.");
            await Task.Delay(250);
        }
    }
}
