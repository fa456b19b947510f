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
/// A server stopped (SIGTERM) while one file-restore session downloads to a client that stopped reading and another's
/// appliance starts: neither is waited for. A server of its own over a small ext4 disk; one appliance start (10 s here
/// on a quiet machine, 30-40 s at the suite's load, more where supermin must build the appliance first), the second is
/// stopped a moment after its QEMU starts.
/// </summary>
public sealed class FileRestoreShutdownTests(ITestOutputHelper output)
{
    private const string Vm = "files";
    private const int FileBytes = 32 << 20;
    private static readonly TimeSpan StopBound = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task A_stop_cuts_a_download_off_and_cancels_an_appliance_start_leaving_nothing_behind()
    {
        using var folder = new TestFolder();
        var control = folder.Combine("control.sock");
        var nbdSocket = ControlSettings.NbdSocketBeside(control);
        await using var server = await ServerProcess.StartAsync(
            folder.Combine("data"), [.. ServerProcess.OwnPorts(), "--control-socket", control, "--nbd-port", FreePorts.Tcp().ToString(CultureInfo.InvariantCulture)]);
        using (var repository = BackupRepository.Open(server.RepositoryPath, password: null))
            await repository.BackupAsync(new BackupRequest(Vm, [await FileSystemDiskAsync(folder)]));
        using var http = new HttpClient { BaseAddress = server.Http.BaseAddress, Timeout = TimeSpan.FromMinutes(8) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", server.Token);

        var browsed = await OpenAsync(http);
        var running = ProcessTree.Descendants(server.ProcessId).Select(process => process.Id).ToHashSet();
        using var download = await http.GetAsync(FileRestoreCalls.DownloadPath(browsed.Id, "raw", "sda:/big.bin"), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        var body = await download.Content.ReadAsStreamAsync();
        await body.ReadExactlyAsync(new byte[4096]);

        var opening = http.PostAsJsonAsync("api/file-restores", new OpenFileRestoreRequest(Vm, null), ContractsJsonContext.Default.OpenFileRestoreRequest);
        // Every process the server starts meanwhile (supermin when the appliance must be built, QEMU, libguestfs's recovery process).
        var started = new Dictionary<int, RunningProcess>();
        await Wait.UntilAsync(
            () =>
            {
                foreach (var process in ProcessTree.Descendants(server.ProcessId))
                    started[process.Id] = process;
                return StartingQemu(started.Values, running) is not null || opening.IsCompleted;
            },
            "QEMU to start the second appliance",
            TimeSpan.FromMinutes(5));
        Assert.False(opening.IsCompleted, $"The second session opened before the stop: {server.ReadLog()}");
        var qemus = started.Values.Where(process => process.CommandLine.StartsWith("/usr/bin/qemu-system", StringComparison.Ordinal)).ToList();
        // libguestfs's temporary folders (the overlay over the read-only NBD disk, the appliance's sockets), which closing its handle removes.
        var temporary = qemus.SelectMany(qemu => Regex.Matches(qemu.CommandLine, @"/tmp/libguestfs[A-Za-z0-9]+").Select(found => found.Value)).Distinct().ToList();
        Assert.True(qemus.Count == 2 && temporary.Count >= 2 && temporary.All(Directory.Exists), $"Not two appliances with their folders: {string.Join(Environment.NewLine, qemus)}");

        var (exitCode, took) = await server.StopAsync(StopBound);

        output.WriteLine($"The server stopped {took.TotalSeconds:0.0} s after SIGTERM; {started.Count} process(es) of its own seen before.");
        Assert.True(exitCode == 0, $"The server exited {exitCode} after {took.TotalSeconds:0.0} s:{Environment.NewLine}{server.ReadLog()}");
        using (var answer = await opening)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.StatusCode);
            Assert.Equal(FileRestoreSessions.StoppedWhileStarting, (await answer.Content.ReadFromJsonAsync(ContractsJsonContext.Default.ApiError))!.Detail);
        }

        Assert.True(await IsCutOffAsync(body), "The download ended as if whole.");
        Assert.DoesNotContain(started.Values, process => process.IsRunning);
        Assert.Empty(ProcessTree.WithCommandLineContaining(nbdSocket));
        foreach (var left in temporary)
        {
            Assert.Empty(ProcessTree.WithCommandLineContaining(left));
            Assert.False(Directory.Exists(left), $"{left} is left");
        }

        var log = server.ReadLog();
        Assert.Contains("File-restore appliance file-restore-2 start cancelled", log, StringComparison.Ordinal);
        Assert.Contains($"File-restore session {browsed.Id} closed (the server stopped)", log, StringComparison.Ordinal);

        // What the sessions left on record: the audit log says why each ended, and nothing is published.
        using var database = ServerDatabase.Open(new DataFolder(server.DataDirectory).Database);
        var audit = new AuditStore(database);
        var opens = audit.List(10, before: null, who: null, action: "file-restore.open");
        Assert.Contains(opens, entry => entry.Outcome == $"refused 503: {FileRestoreSessions.StoppedWhileStarting}");
        var downloaded = Assert.Single(audit.List(10, before: null, who: null, action: "file-restore.download"));
        Assert.Equal("failed: The file-restore session ended (the server stopped) before the download did; open it again and download anew.", downloaded.Outcome);
        var closed = Assert.Single(audit.List(10, before: null, who: null, action: "file-restore.close"));
        Assert.Equal(("server", "ok: the server stopped"), (closed.Who, closed.Outcome));
        Assert.StartsWith($"file-restore session {browsed.Id} ", closed.Target, StringComparison.Ordinal);
        Assert.Empty(new FileRestorePublications(database).List());
    }

    /// <summary>A raw disk holding one ext4 file system with big.bin, random so that it streams as many bytes as it holds.</summary>
    private static async Task<string> FileSystemDiskAsync(TestFolder folder)
    {
        var tree = Directory.CreateDirectory(folder.Combine("tree")).FullName;
        var content = new byte[FileBytes];
        Random.Shared.NextBytes(content);
        await File.WriteAllBytesAsync(Path.Combine(tree, "big.bin"), content);
        var disk = folder.Combine("fs.raw");
        await using (var file = File.Create(disk))
            file.SetLength(2L * FileBytes);
        await Tools.RunOkAsync("mkfs.ext4", "-q", "-d", tree, disk);
        return disk;
    }

    private static async Task<FileRestoreSessionView> OpenAsync(HttpClient http)
    {
        using var answer = await http.PostAsJsonAsync("api/file-restores", new OpenFileRestoreRequest(Vm, null), ContractsJsonContext.Default.OpenFileRestoreRequest);
        Assert.True(answer.StatusCode == HttpStatusCode.Created, $"{answer.StatusCode}: {await answer.Content.ReadAsStringAsync()}");
        return (await answer.Content.ReadFromJsonAsync(ContractsJsonContext.Default.FileRestoreSessionView))!;
    }

    /// <summary>The QEMU of an appliance starting now: not one of the processes that ran before.</summary>
    private static RunningProcess? StartingQemu(IEnumerable<RunningProcess> started, HashSet<int> before) =>
        started.FirstOrDefault(process => !before.Contains(process.Id) && process.CommandLine.StartsWith("/usr/bin/qemu-system", StringComparison.Ordinal) && process.IsRunning);

    /// <summary>Whether the rest of the download breaks or ends short of the file.</summary>
    private static async Task<bool> IsCutOffAsync(Stream body)
    {
        long total = 4096;
        var buffer = new byte[1 << 20];
        try
        {
            int read;
            while ((read = await body.ReadAsync(buffer)) > 0)
                total += read;
        }
        catch (IOException)
        {
            return true;
        }

        return total < FileBytes;
    }
}
