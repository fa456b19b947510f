using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Lifeboat.Hypervisors.Qemu;
using Lifeboat.Hypervisors.Qemu.GuestAgent;
using Lifeboat.Repository;
using Lifeboat.Server.Api;
using Lifeboat.Server.Contracts.Sessions;
using Lifeboat.Server.Sessions;
using Lifeboat.Server.Tests.Support;

namespace Lifeboat.Server.Tests;

/// <summary>
/// Instant disk recovery with the real test guest and QEMU: the second disk of a two-disk restore point (an ext4 file
/// system holding a known file, made with mkfs.ext4 -d) is hot-plugged into a recovered guest that runs; the guest
/// finds it by its serial, mounts it, reads the file and writes one; the backup is unchanged; the disk is mirrored to a
/// production file while attached (after a server restart), then detached, and nothing of it stays published; through
/// the CLI's attach-disk, migrate and detach-disk.
/// </summary>
[Collection(GuestCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DiskRecoveryTests(GuestImage guest)
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan GuestCommandTimeout = TimeSpan.FromMinutes(2);
    private const string Written = "written in the guest through the hot-plugged disk";

    [Fact]
    public async Task The_second_disk_of_a_restore_point_is_attached_read_written_mirrored_to_production_and_detached()
    {
        using var folder = new TestFolder();
        var dataDisk = folder.Combine("data.raw");
        var knownHash = await MakeDataDiskAsync(folder, dataDisk);
        await using var server = await ServerProcess.StartAsync(folder.Combine("data"));
        await server.BackupAsync("guest", guest.RawDisk, guest.HardwareJson);
        RestorePointInfo backup;
        using (var repository = BackupRepository.Open(server.RepositoryPath, password: null))
            backup = await repository.BackupAsync(new BackupRequest("data", [guest.RawDisk, dataDisk], guest.HardwareJson));

        var target = await Recovery.RecoverUntilReadyAsync(server, Recovery.Guest("stay") with { Name = "target" });
        var agentSocket = new QemuVmPaths(target.RuntimeDirectory!).GuestAgentSocket;

        SessionView noDisk;
        using (var refused = await server.Http.PostAsJsonAsync("api/disk-recoveries", new DiskRecoveryRequest("data", null, 2, "target"), ContractsJsonContext.Default.DiskRecoveryRequest))
        {
            Assert.Equal(HttpStatusCode.Created, refused.StatusCode);
            var started = (await refused.Content.ReadFromJsonAsync(ContractsJsonContext.Default.SessionView))!;
            noDisk = await server.WaitForEndAsync(started.Id, StepTimeout);
        }

        Assert.Equal(SessionState.Failed, noDisk.State);
        Assert.Contains("has no disk 2", noDisk.Error, StringComparison.Ordinal);

        var attach = new JobCli(server).Run("attach-disk", "data@latest", "--disk", "1", "--to-vm", "target").ShouldSucceed();
        Assert.Contains("Attached", attach.Stdout, StringComparison.Ordinal);
        var attached = (await server.Http.GetFromJsonAsync("api/sessions", ContractsJsonContext.Default.ListSessionView))!
            .First(s => s.DiskRecovery is not null && s.State != SessionState.Failed);
        Assert.True(attached.State == SessionState.Ready, $"{attached.State}: {attached.Error}{Environment.NewLine}{ServerProcess.Describe(attached)}");
        Assert.Equal(backup.Id, attached.RestorePointId);
        Assert.Equal(new DiskAttachment(1, "target", "lifeboat-" + attached.Id), attached.DiskRecovery);
        Assert.Equal([SessionPhase.Initialization, SessionPhase.NfsMapping, SessionPhase.Attaching], attached.Phases.Select(p => p.Phase));
        Assert.EndsWith("/disk1.raw", Assert.Single(attached.DiskUrls), StringComparison.Ordinal);
        Assert.True(attached.VmRunning);

        var serial = attached.DiskRecovery!.DiskId;
        var seen = await InGuestAsync(agentSocket, $$"""
            dev=; for i in $(seq 1 120); do
              for d in /sys/block/vd*; do [ "$(cat $d/serial 2>/dev/null)" = "{{serial}}" ] && dev=${d##*/}; done
              [ -n "$dev" ] && break; sleep 0.5
            done
            [ -n "$dev" ] || { echo no disk with serial {{serial}}; ls /sys/block; exit 1; }
            [ -b /dev/$dev ] || mknod /dev/$dev b $(cut -d: -f1 /sys/block/$dev/dev) $(cut -d: -f2 /sys/block/$dev/dev)
            mkdir -p /mnt/recovered && mount -t ext4 /dev/$dev /mnt/recovered || exit 2
            sha256sum /mnt/recovered/known.bin || exit 3
            printf '%s' '{{Written}}' > /mnt/recovered/written.txt && sync && umount /mnt/recovered && echo "device $dev"
            """);
        Assert.Contains(knownHash, seen, StringComparison.Ordinal);
        Assert.Contains("device vd", seen, StringComparison.Ordinal);

        // The guest's write went to the publication's cache: the restore point still reads back as the disk backed up.
        await AssertDiskUnchangedAsync(server.RepositoryPath, backup.Id, 1, dataDisk);

        // A server restart in the middle: the session resumes with the disk still in the VM and its cache kept.
        await server.KillAsync();
        await server.StartAgainAsync();
        var resumed = await server.WaitAsync(attached.Id, s => s.VmRunning, StepTimeout);
        Assert.Equal(SessionState.Ready, resumed.State);

        var production = await server.DeclareDatastoreAsync("production", folder.Combine("production"));
        var cli = new JobCli(server);
        var migrated = cli.Run("migrate", attached.Id, "--to", production).ShouldSucceed();
        Assert.Contains("still attached", migrated.Stdout, StringComparison.Ordinal);
        Assert.Contains("data disk 1 → target", cli.Run("sessions").ShouldSucceed().Stdout, StringComparison.Ordinal);
        Assert.Contains($"serial {serial}", cli.Run("session", "show", attached.Id).ShouldSucceed().Stdout, StringComparison.Ordinal);
        var final = await server.WaitAsync(attached.Id, s => s.State is not (SessionState.Ready or SessionState.Migrating) || s.MigrationError is not null, StepTimeout);
        Assert.True(final.State == SessionState.Finalized, $"{final.State}: {final.MigrationError ?? final.Error}{Environment.NewLine}{ServerProcess.Describe(final)}");
        var productionDisk = Assert.Single(final.ProductionDisks);
        Assert.Equal(Path.Combine(production, $"data-disk1-{attached.Id}.raw"), productionDisk);
        Assert.False(Directory.Exists(final.CacheFolder), "the cache folder is deleted once the disk runs from production");
        Assert.Contains(final.Phases, p => p.Phase == SessionPhase.MigratingToProduction && p.Result == StepResult.Ok);

        // Still attached, now from the production file: the guest reads what it wrote.
        var again = await InGuestAsync(agentSocket, $$"""
            for d in /sys/block/vd*; do [ "$(cat $d/serial 2>/dev/null)" = "{{serial}}" ] && dev=${d##*/}; done
            mount -t ext4 /dev/$dev /mnt/recovered && cat /mnt/recovered/written.txt && umount /mnt/recovered
            """);
        Assert.Contains(Written, again, StringComparison.Ordinal);

        var detach = cli.Run("detach-disk", "data", "--from-vm", "target").ShouldSucceed();
        Assert.Contains("stays", detach.Stdout, StringComparison.Ordinal);
        var detached = await server.WaitForEndAsync(attached.Id, StepTimeout);
        Assert.Equal(SessionState.Stopped, detached.State);
        Assert.All(detached.Steps.Where(s => s.Phase == SessionPhase.Stop), s => Assert.NotEqual(StepResult.Failed, s.Result));
        Assert.False(detached.VmRunning);
        var gone = await InGuestAsync(agentSocket, $"for d in /sys/block/*; do cat $d/serial 2>/dev/null; echo; done; echo listed");
        Assert.DoesNotContain(serial, gone, StringComparison.Ordinal);
        Assert.Contains("listed", gone, StringComparison.Ordinal);

        Assert.Equal(Written, await DebugfsAsync(productionDisk, "cat /written.txt"));
        var info = await server.Http.GetFromJsonAsync("api/server", ContractsJsonContext.Default.ServerInfoView);
        Assert.Equal(1, info!.Publications); // the target VM's own, nothing of the disk recovery
        await AssertDiskUnchangedAsync(server.RepositoryPath, backup.Id, 1, dataDisk);
        await Recovery.StopCleanlyAsync(server, target.Id);
        Assert.True(File.Exists(productionDisk), "a migrated disk's production file stays when it is detached");
    }

    /// <summary>A 64 MiB raw disk with an ext4 file system holding known.bin (1 MiB of random bytes); returns its sha256.</summary>
    private static async Task<string> MakeDataDiskAsync(TestFolder folder, string disk)
    {
        var content = folder.Combine("content");
        Directory.CreateDirectory(content);
        var bytes = RandomNumberGenerator.GetBytes(1024 * 1024);
        await File.WriteAllBytesAsync(Path.Combine(content, "known.bin"), bytes);
        await RunAsync("mkfs.ext4", "-q", "-F", "-L", "lbdata", "-d", content, disk, "64M");
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }

    private static async Task<string> InGuestAsync(string agentSocket, string script)
    {
        await using var agent = await QemuGuestAgentClient.ConnectAsync(agentSocket);
        var result = await GuestExec.RunAsync(agent, "/bin/sh", ["-s"], Encoding.UTF8.GetBytes(script), GuestCommandTimeout);
        Assert.True(result.ExitCode == 0, $"The guest's script ended {result.ExitCode} (timed out: {result.TimedOut}): {result.Output}{result.Error}");
        return result.Output;
    }

    private static async Task AssertDiskUnchangedAsync(string repositoryPath, string restorePointId, int diskIndex, string original)
    {
        using var repository = BackupRepository.Open(repositoryPath, password: null);
        using var disk = repository.OpenDisk(restorePointId, diskIndex);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        for (long offset = 0; offset < disk.Length;)
        {
            var read = disk.Read(offset, buffer);
            hash.AppendData(buffer, 0, read);
            offset += read;
        }

        await using var file = File.OpenRead(original);
        Assert.Equal(await SHA256.HashDataAsync(file), hash.GetHashAndReset());
    }

    private static async Task<string> DebugfsAsync(string disk, string request) => await RunAsync("debugfs", "-R", request, disk);

    private static async Task<string> RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)} failed: {await error}");
        return await output;
    }
}
