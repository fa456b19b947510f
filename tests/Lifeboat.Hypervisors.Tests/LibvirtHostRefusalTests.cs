using System.Net;
using System.Net.Sockets;
using Lifeboat.Hypervisors.Hosts;
using Lifeboat.Hypervisors.Libvirt;
using Lifeboat.Hypervisors.Qemu;

namespace Lifeboat.Hypervisors.Tests;

/// <summary>
/// What a libvirt host refuses, and how it says so, on a second libvirt host without QEMU's nfs driver; no guest
/// boots here, so these run beside the guest tests.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class LibvirtHostRefusalTests
{
    [Fact]
    public async Task A_host_without_the_nfs_driver_refuses_nfs_disks_and_an_unreachable_host_is_one_sentence()
    {
        await using var testHost = await LibvirtTestHost.StartAsync(withoutNfsDriver: true);
        using var host = new LibvirtHost("bare-host", testHost.TcpUri, new HostNetwork(testHost.LocalAddress, testHost.HostAddress));
        var spec = Spec("lbvt-nfs-guest", $"nfs://{testHost.LocalAddress}/lifeboat/vm/disk0.raw", "session-2", Path.Combine(Path.GetTempPath(), "unused"), 256);

        var facts = await host.DescribeAsync(CancellationToken.None);
        Assert.Equal((false, true), (facts.NfsDriver, facts.NbdDriver));
        var refused = await Assert.ThrowsAsync<HostException>(() => host.CheckAsync(spec, CancellationToken.None));
        Assert.StartsWith("Host bare-host's QEMU lacks the nfs block driver", refused.Message, StringComparison.Ordinal);
        Assert.Contains("qemu-block-extra", refused.Message, StringComparison.Ordinal);

        using (var tls = new LibvirtHost("tls-host", testHost.TlsUri, null))
            Assert.True((await tls.DescribeAsync(CancellationToken.None)).Reachable);

        // A pool target: the volumes are made on Prepare, and removed on Abandon.
        using var folder = new TestDirectory();
        Assert.Equal(0, (await testHost.RunInsideAsync("virsh", "pool-create-as", "lbvt-pool", "dir", "--target", folder.Path)).ExitCode);
        var nbdSpec = Spec("lbvt-pool-guest", $"nbd://{testHost.LocalAddress}:{FreePorts.Tcp(testHost.LocalAddress)}/disk0", "session-2", folder.Combine("runtime"), 256);
        var recorded = """
            <domain type='kvm'><name>old</name><features><acpi/><apic/></features><clock offset='localtime'/>
            <devices><controller type='usb' model='qemu-xhci'/><input type='tablet' bus='usb'/><video><model type='virtio'/></video>
            <rng model='virtio'><backend model='random'>/dev/urandom</backend></rng></devices></domain>
            """;
        await using (var vm = await host.DefineAsync(nbdSpec with { RecordedDomainXml = recorded }, CancellationToken.None))
        {
            // libvirt took what was kept of the recorded domain
            var defined = (await testHost.RunInsideAsync("virsh", "dumpxml", "--inactive", nbdSpec.Vm.Name)).Output;
            Assert.Contains("<input type='tablet' bus='usb'>", defined, StringComparison.Ordinal);
            Assert.Contains("<clock offset='localtime'/>", defined, StringComparison.Ordinal);

            var target = new ProductionTarget("pool:lbvt-pool", Qcow2: true, [64L << 20]);
            Assert.Equal(["pool:lbvt-pool/lbvt-pool-guest-disk0.qcow2"], vm.Migration.ProductionPaths(target));
            Assert.Contains("1 volumes created", await vm.Migration.PrepareAsync(target, CancellationToken.None), StringComparison.Ordinal);
            var volume = folder.Combine("lbvt-pool-guest-disk0.qcow2");
            Assert.Equal([volume], vm.Migration.ProductionPaths(target));
            Assert.Contains("virtual size: 64 MiB", await Tools.RunCheckedAsync("qemu-img", "info", volume), StringComparison.Ordinal);
            Assert.Contains($"volume {volume} deleted", await vm.Migration.AbandonAsync());
            Assert.False(File.Exists(volume));

            // A folder target: the same, through a transient pool that goes with the migration.
            var production = Directory.CreateDirectory(folder.Combine("production")).FullName;
            var file = Path.Combine(production, "lbvt-pool-guest-disk0.raw");
            Assert.Contains("1 volumes created", await vm.Migration.PrepareAsync(target with { Location = production, Qcow2 = false }, CancellationToken.None), StringComparison.Ordinal);
            Assert.Equal(64L << 20, new FileInfo(file).Length);
            Assert.Contains($"volume {file} deleted", await vm.Migration.AbandonAsync());
            Assert.False(File.Exists(file));
            Assert.DoesNotContain("lifeboat-", (await testHost.RunInsideAsync("virsh", "pool-list", "--all")).Output, StringComparison.Ordinal);
            await vm.UndefineAsync(CancellationToken.None);
        }

        // A start that fails (nothing serves the disk) leaves nothing defined.
        await using (var broken = await host.DefineAsync(nbdSpec with { Vm = nbdSpec.Vm with { Name = "lbvt-broken" } }, CancellationToken.None))
        {
            var failed = await Assert.ThrowsAsync<HostException>(() => broken.StartAsync(CancellationToken.None));
            Assert.StartsWith("Host bare-host could not open VM lbvt-broken's disks on the mount server at ", failed.Message, StringComparison.Ordinal);
            Assert.Contains("its definition was removed", failed.Message, StringComparison.Ordinal);
            Assert.Null(await host.FindAsync(broken.Reference, nbdSpec, CancellationToken.None));
        }

        // A host that vanishes from the network (no reset, no refusal) is given up by the keepalive, not by TCP.
        await Tools.RunCheckedAsync("ip", "link", "set", testHost.LocalInterface, "down");
        var silent = System.Diagnostics.Stopwatch.StartNew();
        var partitioned = await host.DescribeAsync(CancellationToken.None);
        Assert.False(partitioned.Reachable);
        Assert.InRange(silent.Elapsed.TotalSeconds, 0, 60);
        await Tools.RunCheckedAsync("ip", "link", "set", testHost.LocalInterface, "up");
        await Tools.RunCheckedAsync("ip", "-n", testHost.NamespaceName, "link", "set", testHost.LocalInterface[..^1] + "i", "up");
        Assert.True((await host.DescribeAsync(CancellationToken.None)).Reachable);

        await testHost.KillLibvirtdAsync();
        var gone = await host.DescribeAsync(CancellationToken.None);
        Assert.False(gone.Reachable);
        Assert.StartsWith($"Host bare-host cannot be reached at {testHost.TcpUri} (", gone.Problem, StringComparison.Ordinal);
        var unreachable = await Assert.ThrowsAsync<HostException>(() => host.CheckAsync(spec, CancellationToken.None));
        foreach (var sentence in new[] { gone.Problem!, unreachable.Message })
        {
            Assert.StartsWith($"Host bare-host cannot be reached at {testHost.TcpUri} (", sentence, StringComparison.Ordinal);
            Assert.EndsWith("check that libvirtd runs there and listens for this transport, and that this machine may connect.", sentence, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', sentence);
        }
    }

    internal static HostedVmSpec Spec(string name, string disk, string session, string runtime, int memoryMiB) => new()
    {
        Vm = new QemuVmDescription
        {
            Name = name,
            MemoryMiB = memoryMiB,
            Disks = [new QemuDisk(disk)],
            GuestAgent = true,
            Display = true,
            Accelerator = QemuAccelerator.Detect(), // the test host is this machine: /dev/kvm may open and still not run a guest
            FirmwareConfig = new Dictionary<string, string> { [GuestImage.ModeEntry] = "stay" },
        },
        SessionId = session,
        RestorePointId = "restore-point-1",
        RuntimeFolder = runtime,
    };
}
