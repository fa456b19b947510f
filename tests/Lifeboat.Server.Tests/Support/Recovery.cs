using System.Security.Cryptography;
using Lifeboat.Repository;
using Lifeboat.Server.Api;
using Lifeboat.Server.Sessions;

namespace Lifeboat.Server.Tests.Support;

/// <summary>What the end-to-end tests share: recovering the test guest and checking what the repository still holds.</summary>
public static class Recovery
{
    public static readonly TimeSpan BootTimeout = TimeSpan.FromMinutes(3);

    /// <summary>The test guest in a mode: <c>write,stay</c> writes a marker, then ticks every second.</summary>
    public static RecoveryRequest Guest(string mode, MigrationRequest? migrateTo = null) => new()
    {
        Vm = "guest",
        ReadyWhen = "console:" + GuestImage.BootedMarker,
        FirmwareConfig = new Dictionary<string, string> { [GuestImage.ModeEntry] = mode },
        MigrateTo = migrateTo,
    };

    public static async Task<SessionView> RecoverUntilReadyAsync(ServerProcess server, RecoveryRequest request)
    {
        var session = await server.RecoverAsync(request);
        // The VM's QEMU may start paused beside Initialization and NFS mapping: it is not running until powered on.
        var shownRunningEarly = new List<SessionPhase>();
        var ready = await server.WaitAsync(session.Id, s =>
        {
            if (s.VmRunning && s.Phase is SessionPhase.Initialization or SessionPhase.NfsMapping)
                shownRunningEarly.Add(s.Phase);
            return s.State != SessionState.Starting;
        }, BootTimeout);
        Assert.True(ready.State == SessionState.Ready, $"The session is {ready.State}: {ready.Error}{Environment.NewLine}{ServerProcess.Describe(ready)}");
        Assert.True(shownRunningEarly.Count == 0, $"The VM was shown running during {string.Join(", ", shownRunningEarly.Distinct())}, before it was powered on.");
        return ready;
    }

    /// <summary>Stops the session over REST and checks it ended stopped with nothing left behind.</summary>
    public static async Task StopCleanlyAsync(ServerProcess server, string id)
    {
        using (var answer = await server.Http.PostAsync($"api/sessions/{id}/stop", null))
            Assert.Equal(System.Net.HttpStatusCode.Accepted, answer.StatusCode);
        var stopped = await server.WaitForEndAsync(id, TimeSpan.FromMinutes(1));
        Assert.Equal(SessionState.Stopped, stopped.State);
        await Leftovers.AssertNoneAsync(server, stopped);
    }

    /// <summary>The hash the guest printed after writing /data/marker (<c>LIFEBOAT-GUEST-WROTE &lt;sha256&gt;</c>).</summary>
    public static async Task<string> WaitForMarkerAsync(ServerProcess server, string sessionId)
    {
        var line = await server.WaitForConsoleAsync(sessionId, GuestImage.WroteMarker, BootTimeout);
        return line[(line.IndexOf(GuestImage.WroteMarker, StringComparison.Ordinal) + GuestImage.WroteMarker.Length)..].Trim();
    }

    public static async Task<int> TickCountAsync(ServerProcess server, string sessionId) =>
        (await server.ConsoleAsync(sessionId)).Split('\n').Count(l => l.Contains(GuestImage.TickMarker, StringComparison.Ordinal));

    /// <summary>The repository verifies, and the restore point still reads back exactly as the disk that was backed up.</summary>
    public static Task AssertRepositoryUnchangedAsync(ServerProcess server, RestorePointInfo backup, string originalDisk) =>
        AssertRepositoryUnchangedAsync(server.RepositoryPath, backup, originalDisk);

    public static async Task AssertRepositoryUnchangedAsync(string repositoryPath, RestorePointInfo backup, string originalDisk)
    {
        using var repository = BackupRepository.Open(repositoryPath, password: null);
        var report = await repository.VerifyAsync();
        Assert.True(report.Ok, $"{report.BadChunks.Count} bad chunks, {report.DamagedFiles.Count} damaged files");
        Assert.Equal([backup.Id], repository.ListRestorePoints().Select(p => p.Id));
        using var disk = repository.OpenDisk(backup.Id, 0);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        for (long offset = 0; offset < disk.Length;)
        {
            var read = disk.Read(offset, buffer);
            hash.AppendData(buffer, 0, read);
            offset += read;
        }

        await using var original = File.OpenRead(originalDisk);
        Assert.Equal(await SHA256.HashDataAsync(original), hash.GetHashAndReset());
    }
}
