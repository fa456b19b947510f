using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Lifeboat.Server.Contracts.Security;

namespace Lifeboat.Server.Tests.FileRestore;

/// <summary>A damaged chunk under a file, the viewer role, the audit log and the NBD export the appliance reads.</summary>
[Collection(FileRestoreCollection.Name)]
public sealed class FileRestoreGuardTests(FileRestoreServer fixture)
{
    private readonly HttpClient _http = fixture.Http;

    [Fact]
    public async Task A_damaged_chunk_fails_that_download_naming_the_file_the_chunk_and_the_offset_and_others_go_on()
    {
        var file = fixture.Scratch("damaged.bin");
        var (status, error, downloadId) = await _http.DownloadAsync(fixture.First.Id, file, "raw", FileRestoreServer.DamagedFile);
        if (status == HttpStatusCode.OK)
        {
            // The failure came once bytes were out: the stream was cut, and the session says why.
            Assert.StartsWith("broken: ", error, StringComparison.Ordinal);
            var session = await _http.SessionAsync(fixture.First.Id);
            error = Assert.Single(session.Downloads!, d => d.Id == downloadId).Error;
        }

        Assert.NotNull(error);
        Assert.True(error.Contains("data.bin", StringComparison.Ordinal) && error.Contains(fixture.DamagedChunk, StringComparison.Ordinal),
            $"The error names neither the file nor chunk {fixture.DamagedChunk}: {error}");
        Assert.Matches(@"offset \d+", error);

        var other = fixture.Scratch("notes.txt");
        Assert.Equal(HttpStatusCode.OK, (await _http.DownloadAsync(fixture.First.Id, other, "raw", "sdb1:/xfs/notes.txt")).Status);
        Assert.Equal(GuestFileSystemsDisks.Files["sdb1:/xfs/notes.txt"], FileRestoreCalls.Sha256(other));

        // The CLI says it per path and still writes the other file.
        var to = fixture.Scratch("cli-damaged");
        var cli = LifeboatProcess.Run(
            new Dictionary<string, string> { ["LIFEBOAT_SERVER"] = $"127.0.0.1:{fixture.Server.Port}", [ApiTokenFile.TokenVariable] = fixture.Server.Token },
            "files", "get", $"{FileRestoreServer.Vm}@{fixture.FirstPoint}", FileRestoreServer.DamagedFile, "sdb1:/xfs/notes.txt", "--to", to, "--session", fixture.First.Id);
        Assert.Equal(1, cli.ExitCode);
        Assert.Contains(fixture.DamagedChunk, cli.Stderr, StringComparison.Ordinal);
        Assert.Equal(GuestFileSystemsDisks.Files["sdb1:/xfs/notes.txt"], FileRestoreCalls.Sha256(Path.Combine(to, "notes.txt")));
    }

    [Fact]
    public async Task A_viewer_sees_that_sessions_exist_but_not_their_files_and_the_audit_log_lists_downloads_with_their_paths()
    {
        using var created = await _http.PostAsJsonAsync("api/tokens", new CreateTokenRequest($"viewer-{Guid.NewGuid():N}"[..20], LifeboatRoles.Viewer), ContractsJsonContext.Default.CreateTokenRequest);
        created.EnsureSuccessStatusCode();
        var secret = (await created.Content.ReadFromJsonAsync(ContractsJsonContext.Default.CreatedTokenView))!.Secret;
        using var viewer = new HttpClient { BaseAddress = _http.BaseAddress };
        viewer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);

        var listed = await viewer.GetAsync("api/file-restores", ContractsJsonContext.Default.ListFileRestoreSessionView);
        var seen = Assert.Single(listed, s => s.Id == fixture.Second.Id);
        Assert.Equal((FileRestoreServer.Vm, fixture.SecondPoint, fixture.Second.User), (seen.Vm, seen.RestorePoint, seen.User));
        Assert.NotEmpty(seen.User);
        Assert.Null(seen.Downloads);
        var id = fixture.Second.Id;
        foreach (var path in new[] { $"{FileRestoreCalls.Session(id)}/tree?path=sda1:/docs", FileRestoreCalls.DownloadPath(id, "raw", "sda1:/docs/secret.key"),
            $"{FileRestoreCalls.Session(id)}/filesystems", $"{FileRestoreCalls.Session(id)}/stat?path=sda1:/docs/secret.key", $"{FileRestoreCalls.Session(id)}/find?pattern=*", FileRestoreCalls.Session(id) })
        {
            using var answer = await viewer.GetAsync(path);
            Assert.True(answer.StatusCode == HttpStatusCode.Forbidden, $"{path}: {answer.StatusCode}");
        }

        using (var close = await viewer.DeleteAsync(FileRestoreCalls.Session(id)))
            Assert.Equal(HttpStatusCode.Forbidden, close.StatusCode);

        var file = fixture.Scratch("audited.tar.zst");
        Assert.Equal(HttpStatusCode.OK, (await _http.DownloadAsync(id, file, "tar.zst", "sda1:/docs/sub", "sda2:/FAT/HELLO.TXT")).Status);
        var audit = await _http.GetAsync("api/audit?limit=1000", ContractsJsonContext.Default.ListAuditEntry);
        var download = Assert.Single(audit, e => e.Action == "file-restore.download" && e.Target.Contains("sda1:/docs/sub, sda2:/FAT/HELLO.TXT as tar.zst", StringComparison.Ordinal));
        Assert.StartsWith("ok: ", download.Outcome, StringComparison.Ordinal);
        Assert.Contains(id, download.Target, StringComparison.Ordinal);
        Assert.Contains(audit, e => e.Action == "file-restore.open" && e.Target.Contains(id, StringComparison.Ordinal));
    }

    [Fact]
    public async Task No_unprivileged_local_user_reaches_the_nbd_exports_the_appliance_reads()
    {
        // Root (the appliance runs as root) sees the sessions' exports on the socket.
        var exports = await Tools.RunCheckedAsync("nbdinfo", "--list", "--json", $"nbd+unix:///?socket={fixture.NbdSocket}");
        Assert.Contains($"\"{FileRestoreServer.Vm}/disk0\"", exports, StringComparison.Ordinal);

        var (socketExit, socketOutput) = await Tools.RunAsNobodyAsync("nbdinfo", $"nbd+unix:///{FileRestoreServer.Vm}/disk0?socket={fixture.NbdSocket}");
        Assert.True(socketExit != 0, socketOutput);
        var (tcpExit, tcpOutput) = await Tools.RunAsNobodyAsync("nbdinfo", $"nbd://127.0.0.1:{fixture.NbdPort}/{FileRestoreServer.Vm}/disk0");
        Assert.True(tcpExit != 0, tcpOutput);
        Assert.DoesNotContain("export-size", tcpOutput, StringComparison.Ordinal);
    }
}
