namespace Lifeboat.Hypervisors.Tests;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class LibvirtTestHostTests
{
    [Fact]
    public async Task A_test_host_answers_over_tcp_and_tls_and_leaves_nothing_behind()
    {
        var host = await LibvirtTestHost.StartAsync();
        string name = host.NamespaceName, veth = host.LocalInterface, folder = host.Combine("");
        try
        {
            Assert.Contains("libvirt", await Tools.RunCheckedAsync("virsh", "-c", host.TcpUri, "version"), StringComparison.OrdinalIgnoreCase);
            Assert.Contains("libvirt", await Tools.RunCheckedAsync("virsh", "-c", host.TlsUri, "version"), StringComparison.OrdinalIgnoreCase);
            Assert.Contains(host.HostAddress.ToString(), (await host.RunInsideAsync("ip", "-o", "-4", "addr", "show")).Output, StringComparison.Ordinal);
            Assert.Equal(0, (await host.RunInsideAsync("test", "-e", "/usr/lib/x86_64-linux-gnu/qemu/block-nfs.so")).ExitCode);

            // Its /run is its own: this machine's libvirt sockets are not there.
            var (_, run) = await host.RunInsideAsync("ls", "/run");
            Assert.DoesNotContain("netns", run, StringComparison.Ordinal);
        }
        finally
        {
            await host.DisposeAsync();
        }

        Assert.DoesNotContain(veth, await Tools.RunCheckedAsync("ip", "link"), StringComparison.Ordinal);
        Assert.DoesNotContain(name, await Tools.RunCheckedAsync("ip", "netns", "list"), StringComparison.Ordinal);
        Assert.DoesNotContain(name, await File.ReadAllTextAsync("/proc/self/mountinfo"), StringComparison.Ordinal);
        Assert.DoesNotContain(folder.TrimEnd('/'), await File.ReadAllTextAsync("/proc/1/mountinfo"), StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder));
        Assert.Empty((await Tools.RunAsync("pgrep", "-f", folder.TrimEnd('/'))).Output.Trim());
    }

    [Fact]
    public async Task Without_the_nfs_driver_its_qemu_lacks_block_nfs_and_two_hosts_start_at_once()
    {
        var hosts = await Task.WhenAll(LibvirtTestHost.StartAsync(withoutNfsDriver: true), LibvirtTestHost.StartAsync());
        try
        {
            Assert.NotEqual(hosts[0].HostAddress, hosts[1].HostAddress);
            Assert.NotEqual(0, (await hosts[0].RunInsideAsync("test", "-e", "/usr/lib/x86_64-linux-gnu/qemu/block-nfs.so")).ExitCode);
            Assert.Equal(0, (await hosts[0].RunInsideAsync("test", "-e", "/usr/lib/x86_64-linux-gnu/qemu/accel-tcg-x86_64.so")).ExitCode);
            Assert.Equal(0, (await Tools.RunAsync("test", "-e", "/usr/lib/x86_64-linux-gnu/qemu/block-nfs.so")).ExitCode);
            foreach (var host in hosts)
            {
                await Tools.RunCheckedAsync("virsh", "-c", host.TcpUri, "version");
            }

            await hosts[1].KillLibvirtdAsync();
            Assert.NotEqual(0, (await Tools.RunAsync("virsh", "-c", hosts[1].TcpUri, "version")).ExitCode);
        }
        finally
        {
            foreach (var host in hosts)
            {
                await host.DisposeAsync();
            }
        }
    }
}
