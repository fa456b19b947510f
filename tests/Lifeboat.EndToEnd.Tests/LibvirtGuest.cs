using System.Security;
using System.Text.Json.Nodes;

namespace Lifeboat.EndToEnd.Tests;

/// <summary>
/// The test guest in mode <c>records</c> as a transient libvirt domain on the host of <paramref name="uri"/>: no NIC,
/// a qcow2 overlay over the guest image, the agent channel, its console in a file.
/// </summary>
public sealed class LibvirtGuest(string uri, string domain)
{
    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(240);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    public string Uri { get; } = uri;

    public string Domain { get; } = domain;

    /// <summary>Makes the overlay and starts the domain, then waits for its first record and its agent.</summary>
    public async Task StartAsync(GuestImage image, string overlay, string serialLog)
    {
        await Virsh("destroy", Domain); // a domain a killed test run left
        (await Tools.RunAsync("qemu-img", "create", "-q", "-f", "qcow2", "-b", image.RawDisk, "-F", "raw", overlay)).ShouldSucceed();
        string xml = Path.ChangeExtension(overlay, ".domain.xml");
        await File.WriteAllTextAsync(xml, $"""
            <domain type='qemu'>
              <name>{Domain}</name>
              <memory unit='MiB'>{image.MemoryMiB}</memory>
              <vcpu>1</vcpu>
              <sysinfo type='fwcfg'><entry name='{GuestImage.ModeEntry}'>records</entry></sysinfo>
              <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
              <features><acpi/></features>
              <on_poweroff>destroy</on_poweroff>
              <devices>
                <emulator>/usr/bin/qemu-system-x86_64</emulator>
                <disk type='file' device='disk'>
                  <driver name='qemu' type='qcow2'/>
                  <source file='{SecurityElement.Escape(overlay)}'/>
                  <target dev='vda' bus='virtio'/>
                </disk>
                <serial type='file'><source path='{SecurityElement.Escape(serialLog)}'/><target port='0'/></serial>
                <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
              </devices>
              <seclabel type='static' model='dac' relabel='no'><label>root:root</label></seclabel>
            </domain>
            """);
        (await Virsh("create", xml)).ShouldSucceed();
        await PollAsync(() => Task.FromResult(File.Exists(serialLog) && File.ReadAllText(serialLog).Contains(LiveVm.RecordMarker, StringComparison.Ordinal)), "the guest's first record");
        await PollAsync(async () => (await Virsh("qemu-agent-command", Domain, """{"execute":"guest-ping"}""")).Succeeded, "the guest agent");
    }

    /// <summary>Writes <paramref name="mebibytes"/> MiB of random bytes to a file in the guest and syncs, through libvirt's agent channel.</summary>
    public async Task WriteInGuestAsync(string file, int mebibytes)
    {
        var command = new JsonObject
        {
            ["execute"] = "guest-exec",
            ["arguments"] = new JsonObject
            {
                ["path"] = "/bin/sh",
                ["arg"] = new JsonArray("-c", $"dd if=/dev/urandom of={file} bs=1M count={mebibytes} conv=fsync 2>/dev/null && sync"),
            },
        };
        var started = (await Virsh("qemu-agent-command", Domain, command.ToJsonString())).ShouldSucceed();
        long pid = JsonNode.Parse(started.Stdout)!["return"]!["pid"]!.GetValue<long>();
        await PollAsync(async () =>
        {
            var status = (await Virsh("qemu-agent-command", Domain, new JsonObject { ["execute"] = "guest-exec-status", ["arguments"] = new JsonObject { ["pid"] = pid } }.ToJsonString())).ShouldSucceed();
            return JsonNode.Parse(status.Stdout)!["return"]!["exited"]!.GetValue<bool>();
        }, $"writing {file} in the guest");
    }

    internal Task<ToolResult> Virsh(params string[] arguments) => Tools.RunAsync("virsh", ["-c", Uri, .. arguments]);

    public static async Task PollAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + BootTimeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for {what}.");
            await Task.Delay(PollInterval);
        }
    }
}
