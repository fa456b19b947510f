using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Lifeboat.Hypervisors.Hosts;
using Lifeboat.Hypervisors.Libvirt;
using Lifeboat.Hypervisors.Qemu;

namespace Lifeboat.Hypervisors.Tests;

/// <summary>
/// The real test guest on a second libvirt host (<see cref="LibvirtTestHost"/>), booted over the network from an NBD
/// export of an overlay bound to this machine's veth address only, driven through <see cref="LibvirtHost"/>: one
/// boot from the export, a mirror to production while the guest writes, and one boot from production.
/// </summary>
[Collection(GuestCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class LibvirtHostTests(GuestImage guest)
{
    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(240);
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_guest_boots_over_nbd_on_the_host_runs_checks_migrates_while_writing_and_starts_again_from_production()
    {
        using var folder = new TestDirectory();
        await using var testHost = await LibvirtTestHost.StartAsync();
        using var host = new LibvirtHost("test-host", testHost.TcpUri, new HostNetwork(testHost.LocalAddress, testHost.HostAddress));
        var overlay = await guest.CreateOverlayAsync(folder.Path);
        var port = FreePort(testHost.LocalAddress);
        using var nbd = StartQemuNbd(testHost.LocalAddress, port, overlay);
        try
        {
            await RunAsync(testHost, host, nbd, port, folder);
        }
        finally
        {
            if (!nbd.HasExited)
                nbd.Kill();
        }
    }

    private async Task RunAsync(LibvirtTestHost testHost, LibvirtHost host, Process nbd, int port, TestDirectory folder)
    {
        await WaitForListenerAsync(testHost.LocalAddress, port);
        var spec = Spec($"lbvt-guest-{Environment.ProcessId}", $"nbd://{testHost.LocalAddress}:{port}/disk0", "session-1", folder.Combine("runtime"));

        var facts = await host.DescribeAsync(CancellationToken.None);
        Assert.True(facts.Reachable, facts.Problem);
        Assert.Equal((true, true), (facts.NfsDriver, facts.NbdDriver));
        Assert.Matches(@"^\d+\.\d+\.\d+$", facts.LibvirtVersion);
        Assert.Matches(@"^\d+\.\d+\.\d+$", facts.QemuVersion);
        Assert.Contains(facts.Accelerator, new[] { "kvm", "tcg" });
        Assert.True(facts.Cpus > 0 && facts.MemoryFreeMiB > 0 && facts.MemoryTotalMiB >= facts.MemoryFreeMiB, $"{facts}");
        Assert.Empty(facts.LifeboatVms);
        Assert.Contains("no VM named", await host.CheckAsync(spec, CancellationToken.None), StringComparison.Ordinal);

        await using var vm = await host.DefineAsync(spec, CancellationToken.None);
        var duplicate = await Assert.ThrowsAsync<HostException>(() => host.CheckAsync(spec, CancellationToken.None));
        Assert.Contains($"already has a VM named {spec.Vm.Name}", duplicate.Message, StringComparison.Ordinal);
        Assert.Equal([spec.Vm.Name], (await host.DescribeAsync(CancellationToken.None)).LifeboatVms);
        await using (var found = await host.FindAsync(vm.Reference, spec, CancellationToken.None))
            Assert.Equal(spec.Vm.Name, found?.Name);
        Assert.Null(await host.FindAsync(vm.Reference, spec with { SessionId = "another-session" }, CancellationToken.None));

        await vm.StartAsync(CancellationToken.None);
        Assert.Contains("mode=stay", await vm.WaitForConsoleAsync(GuestImage.BootedMarker, BootTimeout, CancellationToken.None), StringComparison.Ordinal);
        await vm.WaitForAgentAsync(BootTimeout, CancellationToken.None);
        var version = await vm.ExecAsync("/bin/sh", ["-c", "cat /proc/version"], null, CheckTimeout, CancellationToken.None);
        Assert.True(version.Succeeded, version.Error);
        Assert.Contains("Linux version", version.Output, StringComparison.Ordinal);
        var png = folder.Combine("console.png");
        await vm.TakeScreenshotAsync(png, CancellationToken.None);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, (await File.ReadAllBytesAsync(png))[..4]);
        Assert.Equal(new HostedVmStatus(true, "running"), await vm.QueryStatusAsync(CancellationToken.None));

        // The guest writes /data/counter every second while its disk moves to a file on the host.
        var production = folder.Combine("production");
        Directory.CreateDirectory(production);
        var target = new ProductionTarget(production, Qcow2: false, [new FileInfo(guest.RawDisk).Length]);
        Assert.Equal([$"{production}/{spec.Vm.Name}-disk0.raw"], vm.Migration.ProductionPaths(target));
        Assert.False(vm.Migration.OffersQuick);
        await vm.Migration.PrepareAsync(target, CancellationToken.None);
        var reported = new List<(long Done, long Total)>();
        var total = await vm.Migration.MirrorAsync((done, all) => reported.Add((done, all)), CancellationToken.None);
        Assert.Equal(total, reported[^1].Total);
        Assert.Equal(reported[^1].Done, reported[^1].Total);
        await vm.Migration.PivotAsync(CancellationToken.None);
        Assert.Contains($"<source file='{production}/{spec.Vm.Name}-disk0.raw'", (await testHost.RunInsideAsync("virsh", "dumpxml", spec.Vm.Name)).Output, StringComparison.Ordinal);
        Assert.DoesNotContain("lifeboat-", (await testHost.RunInsideAsync("virsh", "pool-list", "--all")).Output, StringComparison.Ordinal);
        await vm.HandOverAsync(CancellationToken.None);
        var written = int.Parse((await vm.ExecAsync("/bin/sh", ["-c", "sync; cat /data/counter"], null, CheckTimeout, CancellationToken.None)).Output.Trim());

        // No more NBD: the next boot can only come from production.
        nbd.Kill();
        await nbd.WaitForExitAsync();
        Assert.Matches("shut down$|powered off by force$", await vm.PowerOffAsync(TimeSpan.FromSeconds(3), CancellationToken.None));
        Assert.False((await vm.QueryStatusAsync(CancellationToken.None)).Running);
        File.Delete(vm.ConsoleLogPath);
        await vm.StartAsync(CancellationToken.None);
        await vm.WaitForConsoleAsync(GuestImage.BootedMarker, BootTimeout, CancellationToken.None);
        await vm.WaitForAgentAsync(BootTimeout, CancellationToken.None);
        var counter = await vm.ExecAsync("/bin/cat", ["/data/counter"], null, CheckTimeout, CancellationToken.None);
        Assert.True(int.Parse(counter.Output.Trim()) >= written, $"counter {counter.Output} after {written}");

        await vm.UndefineAsync(CancellationToken.None);
        Assert.Null(await host.FindAsync(vm.Reference, spec, CancellationToken.None));
        Assert.Empty((await host.DescribeAsync(CancellationToken.None)).LifeboatVms);
    }

    [Fact]
    public async Task A_host_without_the_nfs_driver_refuses_nfs_disks_and_an_unreachable_host_is_one_sentence()
    {
        await using var testHost = await LibvirtTestHost.StartAsync(withoutNfsDriver: true);
        using var host = new LibvirtHost("bare-host", testHost.TcpUri, new HostNetwork(testHost.LocalAddress, testHost.HostAddress));
        var spec = Spec("lbvt-nfs-guest", $"nfs://{testHost.LocalAddress}/lifeboat/vm/disk0.raw", "session-2", Path.Combine(Path.GetTempPath(), "unused"));

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
        var nbdSpec = Spec("lbvt-pool-guest", $"nbd://{testHost.LocalAddress}:{FreePort(testHost.LocalAddress)}/disk0", "session-2", folder.Combine("runtime"));
        await using (var vm = await host.DefineAsync(nbdSpec, CancellationToken.None))
        {
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
            Assert.StartsWith("Host bare-host could not start VM lbvt-broken (", failed.Message, StringComparison.Ordinal);
            Assert.Contains("its definition was removed", failed.Message, StringComparison.Ordinal);
            Assert.Null(await host.FindAsync(broken.Reference, nbdSpec, CancellationToken.None));
        }

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

    private HostedVmSpec Spec(string name, string disk, string session, string runtime) => new()
    {
        Vm = new QemuVmDescription
        {
            Name = name,
            MemoryMiB = guest.MemoryMiB,
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

    private static int FreePort(IPAddress address)
    {
        using var listener = new TcpListener(address, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task WaitForListenerAsync(IPAddress address, int port)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(address, port);
                return;
            }
            catch (SocketException) when (waited.Elapsed < CheckTimeout)
            {
                await Task.Delay(100);
            }
        }
    }

    private static Process StartQemuNbd(IPAddress address, int port, string overlay)
    {
        var start = new ProcessStartInfo("qemu-nbd") { UseShellExecute = false, RedirectStandardError = true };
        foreach (var argument in new[] { "--bind", address.ToString(), "--port", port.ToString(), "--export-name", "disk0", "--format", "qcow2", "--persistent", "--shared", "4", overlay })
            start.ArgumentList.Add(argument);
        return Process.Start(start) ?? throw new InvalidOperationException("qemu-nbd did not start.");
    }
}
