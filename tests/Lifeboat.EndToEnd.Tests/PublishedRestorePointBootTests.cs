using System.Globalization;
using Lifeboat.Hypervisors.Qemu;
using Xunit.Abstractions;

namespace Lifeboat.EndToEnd.Tests;

/// <summary>Instant recovery as a user sees it: QEMU boots a VM straight from a restore point the mount server publishes.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class PublishedRestorePointBootTests(GuestImage guest, ITestOutputHelper output)
{
    private const string DiskUrl = "nfs://127.0.0.1/lifeboat/guest/disk0.raw";

    [Fact]
    public async Task Guest_boots_from_the_published_restore_point_writes_and_finds_its_write_after_a_mount_server_restart()
    {
        using var folder = new TestFolder();
        using var network = await NetworkNamespace.CreateAsync();
        var repository = folder.Combine("repo");
        var restorePoint = await LifeboatCli.BackUpAsync(repository, "guest", guest.RawDisk, guest.HardwareJson);
        var settings = new MountServerArguments(repository, folder.Combine("cache")) { Publish = ["guest"] };
        var disk = new QemuDisk(DiskUrl) { Format = QemuDiskFormat.Raw, Bus = QemuDiskBus.Virtio };

        GuestBoot first;
        using (var server = await MountServer.StartAsync(settings, network))
        {
            var publication = server.Publication("guest");
            Assert.Equal(restorePoint, publication.RestorePointId);
            Assert.Equal([DiskUrl], publication.DiskUrls);

            first = await GuestBoot.RunAsync(guest, network, folder.Path, disk, mode: "write");
            Assert.Contains("mode=write", first.BootedLine, StringComparison.Ordinal);
            Assert.Equal("none", first.Found);
            Assert.Matches("^[0-9a-f]{64}$", first.Wrote);
            var exitCode = await server.StopAsync();
            Assert.True(exitCode == 0,
                $"SIGTERM ended the mount server with exit code {exitCode} instead of a clean stop (0). Its output:{Environment.NewLine}{server.Output}");
        }

        // The guest's writes went to the write cache: the restore point is intact and restores bit-exact.
        Assert.True((await LifeboatCli.RunJsonAsync("verify", "--repo", repository)).GetProperty("ok").GetBoolean());
        var restored = await LifeboatCli.RunJsonAsync("restore", "--repo", repository, "--restore-point", restorePoint, "--to", folder.Combine("restored"));
        var restoredFile = Assert.Single(restored.GetProperty("files").EnumerateArray()).GetString()!;
        Assert.Equal(guest.RawDiskSha256(), GuestImage.Sha256Of(restoredFile));

        // Restarted without --publish: the publication, its cache and its file handles come back from --cache.
        using (var server = await MountServer.StartAsync(settings with { Publish = [] }, network))
        {
            Assert.Equal(restorePoint, server.Publication("guest").RestorePointId);
            var second = await GuestBoot.RunAsync(guest, network, folder.Path, disk, mode: "check");
            Assert.Contains("mode=check", second.BootedLine, StringComparison.Ordinal);
            Assert.Equal(first.Wrote, second.Found);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Seconds from QEMU start to {GuestImage.BootedMarker} over NFS: {first.ToBooted.TotalSeconds:0.0} (cold), {second.ToBooted.TotalSeconds:0.0} (after restart)"));
        }
    }
}
