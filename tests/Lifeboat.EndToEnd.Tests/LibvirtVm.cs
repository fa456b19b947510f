using System.Security;
using System.Text.Json.Nodes;

namespace Lifeboat.EndToEnd.Tests;

/// <summary>
/// The test guest in mode <c>records</c> as a transient libvirt domain (qemu:///system, no NIC, a qcow2 overlay, the
/// agent channel), shared by the libvirt live backup tests. libvirtd (and virtlogd) are started when none answers,
/// and left running for whoever comes next; never with a network to autostart.
/// </summary>
public sealed class LibvirtVm : IAsyncLifetime
{
    public const string Domain = "lifeboat-live-test";
    public const string Uri = "qemu:///system";
    private const string NetworkAutostartFolder = "/etc/libvirt/qemu/networks/autostart";
    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(240);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    private readonly TestFolder _folder = new();

    public GuestImage Image { get; } = new();

    public string SerialLog => _folder["serial.log"];

    public string Combine(string name) => _folder[name];

    public async Task InitializeAsync()
    {
        await EnsureLibvirtdAsync();
        await Virsh("destroy", Domain); // a domain a killed test run left
        string overlay = _folder["boot.qcow2"];
        (await Tool.RunAsync("qemu-img", "create", "-q", "-f", "qcow2", "-b", Image.RawDisk, "-F", "raw", overlay)).ShouldSucceed();
        string xml = _folder["domain.xml"];
        await File.WriteAllTextAsync(xml, $"""
            <domain type='qemu'>
              <name>{Domain}</name>
              <memory unit='MiB'>{Image.MemoryMiB}</memory>
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
                <serial type='file'><source path='{SecurityElement.Escape(SerialLog)}'/><target port='0'/></serial>
                <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
              </devices>
              <seclabel type='static' model='dac' relabel='no'><label>root:root</label></seclabel>
            </domain>
            """);
        (await Virsh("create", xml)).ShouldSucceed();
        await PollAsync(() => Task.FromResult(File.Exists(SerialLog) && File.ReadAllText(SerialLog).Contains(LiveVm.RecordMarker, StringComparison.Ordinal)), "the guest's first record");
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

    internal static Task<ToolResult> Virsh(params string[] arguments) => Tool.RunAsync("virsh", ["-c", Uri, .. arguments]);

    public async Task DisposeAsync()
    {
        await Virsh("destroy", Domain);
        _folder.Dispose();
    }

    private static async Task EnsureLibvirtdAsync()
    {
        if ((await Virsh("version")).Succeeded)
        {
            return;
        }

        // libvirtd starts every network marked autostart; these tests must never bring up a bridge.
        Assert.True(!Directory.Exists(NetworkAutostartFolder) || !Directory.EnumerateFileSystemEntries(NetworkAutostartFolder).Any(),
            $"libvirt would autostart the networks in {NetworkAutostartFolder}; disable them (virsh net-autostart NAME --disable) before running these tests.");
        (await Tool.RunAsync("virtlogd", "-d")).ShouldSucceed();
        (await Tool.RunAsync("libvirtd", "-d")).ShouldSucceed();
        await PollAsync(async () => (await Virsh("version")).Succeeded, "libvirtd to answer");
    }

    private static async Task PollAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + BootTimeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for {what}.");
            await Task.Delay(PollInterval);
        }
    }
}
