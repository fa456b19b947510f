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

    private readonly TestFolder _folder = new();

    public GuestImage Image { get; } = new();

    public string SerialLog => _folder.Combine("serial.log");

    public string Combine(string name) => _folder.Combine(name);

    /// <summary>The number of the last record the guest reported as synced, from its console log.</summary>
    public long LastRecord => GuestRecords.Last(SerialLog, LiveVm.RecordMarker);

    private LibvirtGuest Guest { get; } = new(Uri, Domain);

    public async Task InitializeAsync()
    {
        await EnsureLibvirtdAsync();
        await Guest.StartAsync(Image, _folder.Combine("boot.qcow2"), SerialLog);
    }

    /// <summary>Writes <paramref name="mebibytes"/> MiB of random bytes to a file in the guest and syncs, through libvirt's agent channel.</summary>
    public Task WriteInGuestAsync(string file, int mebibytes) => Guest.WriteInGuestAsync(file, mebibytes);

    internal static Task<ToolResult> Virsh(params string[] arguments) => Tools.RunAsync("virsh", ["-c", Uri, .. arguments]);

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
        (await Tools.RunAsync("virtlogd", "-d")).ShouldSucceed();
        (await Tools.RunAsync("libvirtd", "-d")).ShouldSucceed();
        await LibvirtGuest.PollAsync(async () => (await Virsh("version")).Succeeded, "libvirtd to answer");
    }
}
