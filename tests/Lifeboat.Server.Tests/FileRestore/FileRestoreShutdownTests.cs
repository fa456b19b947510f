using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Lifeboat.MountServer.Control;
using Lifeboat.Repository;
using Lifeboat.Server.Contracts.FileRestore;
using Lifeboat.Server.Data;
using Lifeboat.Server.FileRestore;
using Lifeboat.Server.Hosting;
using Lifeboat.Server.Tests.Support;
using Lifeboat.Testing.Waiting;
using Xunit.Abstractions;

namespace Lifeboat.Server.Tests.FileRestore;

/// <summary>
/// A server stopped (SIGTERM) while a file-restore session's appliance starts: the start is cancelled, not waited for.
/// A server of its own over a small blank disk, stopped a moment after QEMU starts (the appliance never boots): about
/// 10 s of the suite, more on a machine whose appliance supermin must build first.
/// </summary>
public sealed class FileRestoreShutdownTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StopBound = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task A_stop_while_the_appliance_starts_cancels_the_start_and_leaves_nothing_behind()
    {
        using var folder = new TestFolder();
        var control = folder.Combine("control.sock");
        var nbdSocket = ControlSettings.NbdSocketBeside(control);
        await using var server = await ServerProcess.StartAsync(
            folder.Combine("data"), [.. ServerProcess.OwnPorts(), "--control-socket", control, "--nbd-port", FreePorts.Tcp().ToString(CultureInfo.InvariantCulture)]);
        var disk = folder.Combine("blank.raw");
        await File.WriteAllBytesAsync(disk, new byte[8 << 20]);
        using (var repository = BackupRepository.Open(server.RepositoryPath, password: null))
            await repository.BackupAsync(new BackupRequest("blank", [disk]));
        using var http = new HttpClient { BaseAddress = server.Http.BaseAddress, Timeout = TimeSpan.FromMinutes(8) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", server.Token);

        var opening = http.PostAsJsonAsync("api/file-restores", new OpenFileRestoreRequest("blank", null), ContractsJsonContext.Default.OpenFileRestoreRequest);
        // Every process the server starts meanwhile (supermin when the appliance must be built, QEMU, libguestfs's recovery process).
        var started = new Dictionary<int, RunningProcess>();
        RunningProcess? qemu = null;
        await Wait.UntilAsync(
            () =>
            {
                foreach (var process in ProcessTree.Descendants(server.ProcessId))
                    started[process.Id] = process;
                qemu = started.Values.FirstOrDefault(process => process.CommandLine.StartsWith("/usr/bin/qemu-system", StringComparison.Ordinal) && process.IsRunning);
                return qemu is not null || opening.IsCompleted;
            },
            "QEMU to start the appliance on the restore point's NBD export",
            TimeSpan.FromMinutes(5));
        Assert.False(opening.IsCompleted, $"The session opened before the stop: {server.ReadLog()}");
        Assert.DoesNotContain("File-restore appliance file-restore-1 started", server.ReadLog(), StringComparison.Ordinal);
        // libguestfs's temporary folders (the overlay over the read-only NBD disk, the appliance's sockets), which closing the handle removes.
        var temporary = Regex.Matches(qemu!.CommandLine, @"/tmp/libguestfs[A-Za-z0-9]+").Select(found => found.Value).Distinct().ToList();
        Assert.True(temporary.Count > 0 && temporary.All(Directory.Exists), $"No libguestfs folder in QEMU's command line: {qemu.CommandLine}");

        var (exitCode, took) = await server.StopAsync(StopBound);

        output.WriteLine($"The server stopped {took.TotalSeconds:0.0} s after SIGTERM, {started.Count} process(es) of its own seen before.");
        Assert.True(exitCode == 0, $"The server exited {exitCode} after {took.TotalSeconds:0.0} s:{Environment.NewLine}{server.ReadLog()}");
        using (var answer = await opening)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.StatusCode);
            var error = await answer.Content.ReadFromJsonAsync(ContractsJsonContext.Default.ApiError);
            Assert.Equal(FileRestoreSessions.StoppedWhileStarting, error!.Detail);
        }

        Assert.DoesNotContain(started.Values, process => process.IsRunning);
        Assert.Empty(ProcessTree.WithCommandLineContaining(nbdSocket));
        foreach (var left in temporary)
        {
            Assert.Empty(ProcessTree.WithCommandLineContaining(left));
            Assert.False(Directory.Exists(left), $"{left} is left");
        }

        var log = server.ReadLog();
        Assert.Contains("File-restore appliance file-restore-1 start cancelled", log, StringComparison.Ordinal);
        Assert.Contains($"not opened: {FileRestoreSessions.StoppedWhileStarting}", log, StringComparison.Ordinal);

        // What the session left on record: the audit log's entry of the open says why, and nothing is published.
        using var database = ServerDatabase.Open(new DataFolder(server.DataDirectory).Database);
        var open = Assert.Single(new AuditStore(database).List(10, before: null, who: null, action: "file-restore.open"));
        Assert.Equal($"refused 503: {FileRestoreSessions.StoppedWhileStarting}", open.Outcome);
        Assert.Empty(new FileRestorePublications(database).List());
    }
}
