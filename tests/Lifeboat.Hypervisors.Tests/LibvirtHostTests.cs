using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Lifeboat.Hypervisors.Hosts;
using Lifeboat.Hypervisors.Libvirt;
using Lifeboat.Hypervisors.Qemu;
using Lifeboat.Hypervisors.Qemu.GuestAgent;

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
        var port = FreePorts.Tcp(testHost.LocalAddress);
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

        // Found by name as any running domain (a file restore's target): a file written through libvirt's agent command, in
        // the chunks it takes, arrives whole.
        await using (var running = await host.OpenRunningAsync(spec.Vm.Name, CancellationToken.None))
        {
            var writer = new GuestFileWriter(running.Agent, running.FileChunkBytes);
            var content = System.Security.Cryptography.RandomNumberGenerator.GetBytes(3 * running.FileChunkBytes + 4099);
            Assert.Equal(content.Length, await writer.WriteAsync("/data/restored.bin", new MemoryStream(content), replace: false, null, CancellationToken.None));
            var sum = await vm.ExecAsync("/bin/sha256sum", ["/data/restored.bin"], null, CheckTimeout, CancellationToken.None);
            Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(content)), sum.Output.Split(' ')[0]);
            await Assert.ThrowsAsync<GuestFileExistsException>(() => writer.WriteAsync("/data/restored.bin", new MemoryStream([1]), replace: false, null, CancellationToken.None));
        }

        var nowhere = await Assert.ThrowsAsync<HostException>(() => host.OpenRunningAsync("no-such-vm", CancellationToken.None));
        Assert.StartsWith("Host test-host has no VM named no-such-vm;", nowhere.Message, StringComparison.Ordinal);

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
        var off = await Assert.ThrowsAsync<HostException>(() => host.OpenRunningAsync(spec.Vm.Name, CancellationToken.None));
        Assert.Contains($"VM {spec.Vm.Name} on host test-host is not running", off.Message, StringComparison.Ordinal);
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

    private HostedVmSpec Spec(string name, string disk, string session, string runtime) =>
        LibvirtHostRefusalTests.Spec(name, disk, session, runtime, guest.MemoryMiB);


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
