using System.Globalization;
using System.Text;
using Lifeboat.Hypervisors.Qemu;
using Xunit.Abstractions;

namespace Lifeboat.EndToEnd.Tests;

/// <summary>
/// The guest's time from QEMU's start to its first marker, booted from a freshly published restore point
/// over NFS and from a local copy of guest.raw, alternating. The figures go to the test output; runs of a
/// TCG guest vary by about 20% and other test projects share the cores, so they are reported, not asserted.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class BootTimeTests(GuestImage guest, ITestOutputHelper output)
{
    private const int RunsEach = 3;
    private const string DiskUrl = "nfs://127.0.0.1/lifeboat/guest/disk0.raw";

    [Fact]
    public async Task Guest_boots_from_a_published_restore_point_and_from_a_local_copy_to_the_same_state()
    {
        using var folder = new TestFolder();
        using var network = await NetworkNamespace.CreateAsync();
        var repository = folder.Combine("repo");
        await LifeboatCli.BackUpAsync(repository, "guest", guest.RawDisk, guest.HardwareJson);
        var overNfs = new List<TimeSpan>();
        var local = new List<TimeSpan>();

        for (var run = 0; run < RunsEach; run++)
        {
            // Each NFS run starts cold: a new cache folder, so nothing of the restore point is hydrated yet.
            var settings = new MountServerArguments(repository, folder.Combine($"cache{run}")) { Publish = ["guest"] };
            using (await MountServer.StartAsync(settings, network))
            {
                var boot = await GuestBoot.RunAsync(guest, network, folder.Path, new QemuDisk(DiskUrl), mode: "check");
                Assert.Equal("none", boot.Found);
                overNfs.Add(boot.ToBooted);
            }

            var copy = folder.Combine($"local{run}.raw");
            (await Tools.RunAsync("cp", "--sparse=always", guest.RawDisk, copy)).ShouldSucceed();
            var localBoot = await GuestBoot.RunAsync(guest, network, folder.Path, new QemuDisk(copy), mode: "check");
            Assert.Equal("none", localBoot.Found);
            local.Add(localBoot.ToBooted);
            File.Delete(copy);
        }

        output.WriteLine(Report(overNfs, local));
    }

    private static string Report(List<TimeSpan> overNfs, List<TimeSpan> local)
    {
        static string Seconds(IEnumerable<TimeSpan> times) =>
            string.Join(", ", times.Select(t => t.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)));

        var nfsMean = overNfs.Average(t => t.TotalSeconds);
        var localMean = local.Average(t => t.TotalSeconds);
        return new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"Seconds from QEMU start to {GuestImage.BootedMarker} ({QemuAccelerator.Detect()}):").AppendLine()
            .Append(CultureInfo.InvariantCulture, $"  published restore point over NFS: {Seconds(overNfs)} (mean {nfsMean:0.0})").AppendLine()
            .Append(CultureInfo.InvariantCulture, $"  local copy of guest.raw:          {Seconds(local)} (mean {localMean:0.0})").AppendLine()
            .Append(CultureInfo.InvariantCulture, $"  ratio NFS / local: {nfsMean / localMean:0.00}")
            .ToString();
    }
}
