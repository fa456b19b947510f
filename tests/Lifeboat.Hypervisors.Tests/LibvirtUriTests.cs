using Lifeboat.Hypervisors.Libvirt;

namespace Lifeboat.Hypervisors.Tests;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class LibvirtUriTests
{
    [Theory]
    [InlineData("qemu:///system")]
    [InlineData("qemu+ssh://host.example/system")]
    [InlineData("qemu+ssh://root@10.0.0.2:2222/system")]
    [InlineData("qemu+tls://kvm-01.lab/system")]
    [InlineData("qemu+tcp://192.168.122.1:16509/system")]
    [InlineData("qemu+tcp://[fd00::1]/system")]
    [InlineData("qemu+tls://198.18.0.2/system?pkipath=/tmp/lifeboat-libvirt-host-1/pki-client")]
    [InlineData("qemu+tls://kvm-01.lab:16514/system?pkipath=/etc/pki/lifeboat/")]
    public void The_transports_Lifeboat_supports_are_accepted(string uri)
    {
        Assert.True(LibvirtUri.TryValidate(uri, "connectUri", out var problem), problem);
        Assert.Equal(uri, new Virsh(uri).ConnectUri);
    }

    [Theory]
    [InlineData("qemu+ext:///system?command=/tmp/x")]
    [InlineData("qemu+ssh://h/system?command=x")]
    [InlineData("qemu+ssh://h/system?socket=/run/x")]
    [InlineData("qemu+ssh://h/system?netcat=/tmp/nc")]
    [InlineData("qemu+ssh://h/system?keyfile=/etc/shadow")]
    [InlineData("qemu+tls://h/system?pkipath=tmp")]
    [InlineData("qemu+tls://h/system?pkipath=")]
    [InlineData("qemu+tls://h/system?pkipath=/tmp/../etc")]
    [InlineData("qemu+tls://h/system?pkipath=/tmp/./x")]
    [InlineData("qemu+tls://h/system?pkipath=/tmp&no_verify=1")]
    [InlineData("qemu+tls://h/system?no_verify=1&pkipath=/tmp")]
    [InlineData("qemu+tls://h/system?pkipath=/tmp?pkipath=/x")]
    [InlineData("qemu+tls://h/system?pkipath=/tmp%2F..")]
    [InlineData("qemu+tls://h/system?pkipath=/tmp//x")]
    [InlineData("qemu+tls://h/system?pkipath=/tmp#x")]
    [InlineData("qemu+ssh://h/system?pkipath=/tmp")]
    [InlineData("qemu+tcp://h/system?pkipath=/tmp")]
    [InlineData("qemu:///system?pkipath=/tmp")]
    [InlineData("qemu+tcp://h/system?proxy=native")]
    [InlineData("qemu+unix:///system?socket=/tmp/sock")]
    [InlineData("qemu+ext:///system")]
    [InlineData("qemu+unix:///system")]
    [InlineData("qemu+libssh2://h/system")]
    [InlineData("qemu:///session")]
    [InlineData("qemu://h/system")]
    [InlineData("qemu+ssh:///system")]
    [InlineData("qemu+ssh://-oProxyCommand=x/system")]
    [InlineData("qemu+ssh://-l@h/system")]
    [InlineData("qemu+ssh://h/system#x")]
    [InlineData("qemu+ssh://h%2Fx/system")]
    [InlineData("qemu+tcp://h:0/system")]
    [InlineData("qemu+tcp://h:99999/system")]
    [InlineData("xen:///system")]
    [InlineData("qemu:///system\n")]
    [InlineData("")]
    public void Other_transports_parameters_and_hosts_that_look_like_options_are_refused_with_the_field_named(string uri)
    {
        Assert.False(LibvirtUri.TryValidate(uri, "connectUri", out var problem));
        Assert.StartsWith("connectUri ", problem, StringComparison.Ordinal);
        Assert.Contains("give qemu:///system, or qemu+ssh://, qemu+tls:// or qemu+tcp://[USER@]HOST[:PORT]/system", problem, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', problem);
        Assert.Throws<ArgumentException>(() => new Virsh(uri));
    }

    [Fact]
    public async Task A_program_a_refused_uri_names_never_runs()
    {
        using var dir = new TestDirectory();
        var marker = Path.Combine(dir.Path, "ran");
        var program = Path.Combine(dir.Path, "touch-marker");
        await File.WriteAllTextAsync(program, $"#!/bin/sh\ntouch {marker}\n");
        File.SetUnixFileMode(program, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var ext = $"qemu+ext:///system?command={program}";

        // What the check stands between: virsh itself runs the program the URI names.
        using (var virsh = System.Diagnostics.Process.Start("virsh", ["-c", ext, "list"]))
            await virsh.WaitForExitAsync();
        Assert.True(File.Exists(marker), "virsh did not run the program of a qemu+ext URI");
        File.Delete(marker);

        foreach (var uri in new[] { ext, $"qemu+ssh://localhost/system?command={program}", $"qemu+ssh://localhost/system?netcat={program}" })
        {
            var error = await Assert.ThrowsAsync<ArgumentException>(() => new Virsh(uri).RunAsync("list"));
            Assert.StartsWith("the libvirt connection URI '", error.Message, StringComparison.Ordinal);
        }

        Assert.False(File.Exists(marker));
    }
}
