using System.Globalization;
using System.Text.Json;
using Lifeboat.Hypervisors.Libvirt;
using Lifeboat.Hypervisors.Qemu.LiveBackup;
using Lifeboat.LiveBackup;
using Lifeboat.Repository;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace Lifeboat.EndToEnd.Tests;

/// <summary>
/// Live backups of a writing domain on a second libvirt host: libvirt's NBD export listens on TCP at that host's
/// address, with TLS over qemu+tls (Lifeboat's client starts it and checks the host's certificate); full then
/// incremental, each bit-exact against the disk copied while the domain was paused at the point in time; then the
/// CLI over qemu+tcp (no TLS) and qemu+tls carries the same checkpoint chain on. Nothing is left on the host.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class RemoteLibvirtBackupTests(RemoteLibvirtVm vm, ITestOutputHelper output) : IClassFixture<RemoteLibvirtVm>
{
    private const long MiB = 1024 * 1024;
    private const long NoiseBytes = 8 * MiB;

    [Fact]
    public async Task A_domain_on_another_host_backs_up_live_over_nbd_with_tls_full_then_incremental_bit_exact_to_the_paused_disk()
    {
        var host = vm.Host;
        string repo = vm.Combine("repo");
        string work = vm.Combine("work");
        (await LifeboatCli.RunAsync("repo", "init", repo)).ShouldSucceed();
        RestorePointInfo incremental;
        using (var repository = BackupRepository.Open(repo, password: null))
        {
            var full = await BackUpWithReferenceAsync(repository, host.TlsUri, work, "ref1");
            Assert.Equal(BackupConsistency.FileSystemConsistent, full.Consistency!.Kind);
            Assert.Null(full.Disks[0].ChangeTracking!.BaseRestorePointId);
            Assert.StartsWith($"vda via {host.HostAddress}:", full.Disks[0].SourcePath, StringComparison.Ordinal);
            Assert.EndsWith("(TCP, TLS)", full.Disks[0].SourcePath, StringComparison.Ordinal);
            await AssertRestoresToReferenceAsync(repository, full, "ref1");
            await AssertNothingLeftOnTheHostAsync(full);

            long recordsAtFull = LastRecord();
            await vm.Guest.WriteInGuestAsync("/data/blob", 8);
            incremental = await BackUpWithReferenceAsync(repository, host.TlsUri, work, "ref2");
            var tracking = incremental.Disks[0].ChangeTracking!;
            Assert.Equal(full.Id, tracking.BaseRestorePointId);
            long recordBytes = (LastRecord() - recordsAtFull) * LiveVm.RecordBytes;
            Assert.InRange(tracking.BytesRead, 8 * MiB, (8 * MiB) + NoiseBytes + recordBytes);
            await AssertRestoresToReferenceAsync(repository, incremental, "ref2");
            await AssertNothingLeftOnTheHostAsync(incremental);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Full over TLS read {full.Disks[0].ChangeTracking!.BytesRead / (double)MiB:0.0} MiB; the incremental after 8 MiB written read {tracking.BytesRead / (double)MiB:0.00} MiB."));
        }

        // The CLI, in the clear over qemu+tcp and then over qemu+tls, goes on from the same checkpoint.
        var previous = incremental.Id;
        foreach (var (uri, transport) in new[] { (host.TcpUri, "(TCP)"), (host.TlsUri, "(TCP, TLS)") })
        {
            await vm.Guest.WriteInGuestAsync("/data/cli", 2);
            var result = (await LifeboatCli.RunAsync("backup", "--repo", repo, "--vm", RemoteLibvirtVm.Domain, "--libvirt", RemoteLibvirtVm.Domain, "--connect", uri, "--work-dir", work, "--json")).ShouldSucceed();
            output.WriteLine(result.Stderr);
            using var document = JsonDocument.Parse(result.Stdout);
            var point = document.RootElement.GetProperty("restorePoint");
            Assert.Equal(previous, point.GetProperty("disks")[0].GetProperty("changeTracking").GetProperty("baseRestorePointId").GetString());
            previous = document.RootElement.GetProperty("restorePointId").GetString()!;
            using var repository = BackupRepository.Open(repo, password: null);
            var recorded = repository.GetRestorePoint(previous);
            Assert.EndsWith(transport, recorded.Disks[0].SourcePath, StringComparison.Ordinal);
            await AssertNothingLeftOnTheHostAsync(recorded);
        }
    }

    /// <summary>
    /// The backup through libvirt with the domain paused around <c>backup-begin</c> on the host, and its disk copied
    /// while paused: the reference the restore point must equal.
    /// </summary>
    private async Task<RestorePointInfo> BackUpWithReferenceAsync(BackupRepository repository, string uri, string work, string reference)
    {
        var options = new QemuLiveBackupOptions
        {
            Vm = RemoteLibvirtVm.Domain,
            WorkDirectory = work,
            BeforePointInTime = async _ => (await vm.Guest.Virsh("suspend", RemoteLibvirtVm.Domain)).ShouldSucceed(),
            AfterPointInTime = async _ =>
            {
                // Pausing drains and flushes the disk, so the overlay is consistent while the domain stays paused.
                (await Tools.RunAsync("qemu-img", "convert", "-U", "-f", "qcow2", "-O", "raw", vm.Overlay, vm.Combine(reference + ".raw"))).ShouldSucceed();
                (await vm.Guest.Virsh("resume", RemoteLibvirtVm.Domain)).ShouldSucceed();
            },
        };
        return await LiveQemuBackup.RunAsync(repository, uri, RemoteLibvirtVm.Domain, options, null, NullLoggerFactory.Instance, CancellationToken.None);
    }

    private async Task AssertRestoresToReferenceAsync(BackupRepository repository, RestorePointInfo restorePoint, string reference)
    {
        var restored = await repository.RestoreAsync(restorePoint.Id, vm.Combine(reference + "-restored"), new RestoreOptions(false));
        string expected = vm.Combine(reference + ".raw");
        Assert.True(GuestImage.Sha256Of(expected) == GuestImage.Sha256Of(restored.Files[0]), $"{restorePoint.Id} differs from the paused domain's disk");
        File.Delete(expected);
        File.Delete(restored.Files[0]);
    }

    /// <summary>No backup job, only the newest checkpoint, and none of the scratch files libvirt put beside the overlay.</summary>
    private async Task AssertNothingLeftOnTheHostAsync(RestorePointInfo restorePoint)
    {
        Assert.DoesNotContain("Backup", (await vm.Guest.Virsh("domjobinfo", RemoteLibvirtVm.Domain)).ShouldSucceed().Stdout, StringComparison.Ordinal);
        var checkpoints = (await vm.Guest.Virsh("checkpoint-list", RemoteLibvirtVm.Domain, "--name")).ShouldSucceed().Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal([restorePoint.Disks[0].ChangeTracking!.TrackingId!], checkpoints);
        string folder = Path.GetDirectoryName(vm.Overlay)!;
        // libvirt deletes a scratch file when the block job it belongs to has ended, just after domjobabort returns.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        string[] scratch;
        while ((scratch = [.. Directory.GetFiles(folder).Where(f => f.StartsWith(vm.Overlay + ".", StringComparison.Ordinal))]).Length > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"libvirt left its scratch files: {string.Join(", ", scratch)}");
            await Task.Delay(100);
        }
    }

    private long LastRecord() => GuestRecords.Last(vm.SerialLog, LiveVm.RecordMarker);
}
