using System.Net;
using Lifeboat.Server.Sessions;
using Lifeboat.Server.Tests.Support;

namespace Lifeboat.Server.Tests;

/// <summary>A VM the backup recorded with UEFI firmware is recovered on OVMF, with its own variable store.</summary>
[Collection(GuestCollection.Name)]
public sealed class UefiRecoveryTests(GuestImage guest)
{
    [Fact]
    public async Task A_VM_recorded_with_efi_firmware_and_a_direct_kernel_boot_is_recovered_on_OVMF()
    {
        using var folder = new TestFolder();
        await using var server = await ServerProcess.StartAsync(folder.Combine("data"));
        // As libvirt records it: <os firmware='efi'> with <kernel>, <initrd> and <cmdline> on the host.
        var xml = folder.Combine("uefi.xml");
        await File.WriteAllTextAsync(xml, $"""
            <domain type='kvm'>
              <name>uefi</name>
              <memory unit='MiB'>256</memory>
              <vcpu>1</vcpu>
              <os firmware='efi'>
                <type arch='x86_64' machine='pc'>hvm</type>
                <kernel>{Path.Combine(guest.Directory, "vmlinuz")}</kernel>
                <initrd>{Path.Combine(guest.Directory, "initrd.img")}</initrd>
                <cmdline>root=LABEL=lifeboat-root console=ttyS0,115200 loglevel=7</cmdline>
              </os>
              <devices>
                <disk type='file' device='disk'><target dev='vda' bus='virtio'/></disk>
              </devices>
            </domain>
            """);
        var backup = await server.BackupAsync("uefi", guest.RawDisk, xml);
        Assert.Equal("efi", backup.VmConfig?.Hardware?.Firmware);

        var ready = await Recovery.RecoverUntilReadyAsync(server, Recovery.Guest("stay") with { Vm = "uefi" });
        var host = Assert.Single(ready.Steps, s => s.Name == "Check the host");
        Assert.Contains("UEFI firmware /usr/share/OVMF/", host.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(ready.RuntimeDirectory!, "efi-vars.fd")));
        await server.WaitForConsoleAsync(ready.Id, GuestImage.TickMarker, Recovery.BootTimeout);
        Assert.Contains("by EDK II", await server.ConsoleAsync(ready.Id), StringComparison.Ordinal);

        using (var answer = await server.Http.PostAsync($"api/sessions/{ready.Id}/stop", null))
            Assert.Equal(HttpStatusCode.Accepted, answer.StatusCode);
        var stopped = await server.WaitForEndAsync(ready.Id, TimeSpan.FromMinutes(1));
        Assert.Equal(SessionState.Stopped, stopped.State);
        await Leftovers.AssertNoneAsync(server, stopped);
    }
}
