using System.Net;
using Lifeboat.Server.Sessions;
using Lifeboat.Server.Tests.Support;

namespace Lifeboat.Server.Tests;

/// <summary>
/// Backup → instant recovery of the real test guest over the real mount server → the guest writes → live migration
/// to production files → finalized: the VM keeps running from production, the data is there, the backup unchanged.
/// </summary>
[Collection(GuestCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class MigrationTests(GuestImage guest)
{
    private static readonly TimeSpan MigrationTimeout = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task A_live_mirror_moves_the_running_guest_and_its_writes_to_raw_production_files()
    {
        using var folder = new TestFolder();
        await using var server = await ServerProcess.StartAsync(folder.Combine("data"));
        var backup = await server.BackupAsync("guest", guest.RawDisk, guest.HardwareJson);

        var ready = await Recovery.RecoverUntilReadyAsync(server, Recovery.Guest("write,stay"));
        Assert.Equal(backup.Id, ready.RestorePointId);
        Assert.True(ready.RecoverySeconds > 0);
        Assert.Equal(
            [SessionPhase.Initialization, SessionPhase.NfsMapping, SessionPhase.RegisteringAndStarting],
            ready.Phases.Select(p => p.Phase));
        Assert.All(ready.Phases, p => Assert.Equal(StepResult.Ok, p.Result));
        Assert.All(ready.Steps, s => Assert.NotNull(s.EndedAt));
        AssertStartedPaused(ready);
        Assert.StartsWith("nfs://", Assert.Single(ready.DiskUrls), StringComparison.Ordinal);
        var marker = await Recovery.WaitForMarkerAsync(server, ready.Id);
        await server.WaitForConsoleAsync(ready.Id, GuestImage.TickMarker, Recovery.BootTimeout);

        var production = await server.DeclareDatastoreAsync("production", folder.Combine("production"));
        using (var answer = await server.PostAsync($"api/sessions/{ready.Id}/migrate",
            new MigrationRequest(production, MigrationMethod.Mirror, ProductionFormat.Raw), ContractsJsonContext.Default.MigrationRequest))
        {
            Assert.Equal(HttpStatusCode.Accepted, answer.StatusCode);
        }

        var final = await server.WaitAsync(ready.Id, s => s.State != SessionState.Migrating && s.State != SessionState.Ready || s.MigrationError is not null, MigrationTimeout);
        Assert.True(final.State == SessionState.Finalized, $"{final.State}: {final.MigrationError ?? final.Error}{Environment.NewLine}{ServerProcess.Describe(final)}");
        Assert.True(final.VmRunning);
        var productionDisk = Assert.Single(final.ProductionDisks);
        Assert.Equal(Path.Combine(production, "guest-disk0.raw"), productionDisk);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(productionDisk));
        Assert.False(Directory.Exists(final.CacheFolder), "the cache folder is deleted at finalization");
        Assert.Contains(final.Phases, p => p.Phase == SessionPhase.MigratingToProduction && p.Result == StepResult.Ok);
        Assert.Contains(final.Phases, p => p.Phase == SessionPhase.Finalize && p.Result == StepResult.Ok);

        // The guest goes on ticking with the datastore gone: it runs from the production file.
        var ticks = await Recovery.TickCountAsync(server, ready.Id);
        await server.WaitForConsoleAsync(ready.Id, GuestImage.TickMarker, TimeSpan.FromMinutes(1), ticks + 2);

        using (var stop = await server.Http.PostAsync($"api/sessions/{ready.Id}/stop", null))
        {
            Assert.Equal(HttpStatusCode.Conflict, stop.StatusCode);
            Assert.Contains("belongs to production", await stop.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.True((await server.GetAsync(ready.Id)).VmRunning, "stop leaves a finalized session's VM alone");
        Assert.True(await VmRuntimeFolder.KillAsync(final.RuntimeDirectory!, CancellationToken.None));
        Assert.Equal(marker, await guest.MarkerHashAsync(productionDisk));
        await Recovery.AssertRepositoryUnchangedAsync(server, backup, guest.RawDisk);
    }

    /// <summary>
    /// The VM's QEMU started paused beside Initialization and NFS mapping and got its disk over QMP once published: its
    /// step began before the publication did, and the steps and phases are still listed in the order the session ran them.
    /// </summary>
    private static void AssertStartedPaused(SessionView ready)
    {
        Assert.Equal(
        [
            "Find the restore point", "Check the repository", "Check the restore point's chunks", "Check the mount server", "Check the cache space",
            "Check the host", "Start the data mover", "Publish the VM in the datastore", "Define the VM", "Power on the VM", "Wait for the guest",
        ], ready.Steps.Select(s => s.Name));
        var define = Assert.Single(ready.Steps, s => s.Name == "Define the VM");
        var publish = Assert.Single(ready.Steps, s => s.Name == "Publish the VM in the datastore");
        Assert.True(define.StartedAt < publish.StartedAt, ServerProcess.Describe(ready));
        Assert.Contains("started paused beside Initialization and NFS mapping (this step overlaps them", define.Message, StringComparison.Ordinal);
        Assert.Contains("CPUs stopped, no disks yet", define.Message, StringComparison.Ordinal);
        Assert.StartsWith("1 disk(s) attached over QMP and the CPUs resumed in ", Assert.Single(ready.Steps, s => s.Name == "Power on the VM").Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_to_at_recovery_runs_a_quick_migration_to_qcow2_files_once_the_guest_answers()
    {
        using var folder = new TestFolder();
        await using var server = await ServerProcess.StartAsync(folder.Combine("data"));
        var backup = await server.BackupAsync("guest", guest.RawDisk, guest.HardwareJson);
        var production = await server.DeclareDatastoreAsync("production", folder.Combine("production"));

        var session = await server.RecoverAsync(Recovery.Guest("write,stay", new MigrationRequest(production, MigrationMethod.Quick, ProductionFormat.Qcow2)));
        var final = await server.WaitAsync(session.Id, s => s.IsFinalState() || s.MigrationError is not null, Recovery.BootTimeout + MigrationTimeout);
        Assert.True(final.State == SessionState.Finalized, $"{final.State}: {final.MigrationError ?? final.Error}{Environment.NewLine}{ServerProcess.Describe(final)}");
        Assert.NotNull(final.RecoverySeconds);
        Assert.NotNull(final.MigrationPauseSeconds);
        Assert.Contains(final.Steps, s => s.Name == "Pause, copy the changed blocks, switch" && s.Result == StepResult.Ok);
        var productionDisk = Assert.Single(final.ProductionDisks);
        Assert.EndsWith(".qcow2", productionDisk, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(productionDisk));

        // The guest wrote its marker (before or during the migration) and goes on ticking from the production file.
        var marker = await Recovery.WaitForMarkerAsync(server, session.Id);
        var ticks = await Recovery.TickCountAsync(server, session.Id);
        await server.WaitForConsoleAsync(session.Id, GuestImage.TickMarker, TimeSpan.FromMinutes(1), ticks + 2);
        Assert.True(await VmRuntimeFolder.KillAsync(final.RuntimeDirectory!, CancellationToken.None));

        var raw = folder.Combine("check.raw");
        // -U: the killed QEMU may not have released its image lock yet; nothing writes the file any more.
        await Tools.RunOkAsync("qemu-img", "convert", "-U", "-f", "qcow2", "-O", "raw", productionDisk, raw);
        Assert.Equal(marker, await guest.MarkerHashAsync(raw));
        Assert.False(Directory.Exists(final.CacheFolder));
        await Recovery.AssertRepositoryUnchangedAsync(server, backup, guest.RawDisk);
    }
}
