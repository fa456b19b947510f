namespace Lifeboat.EndToEnd.Tests;

/// <summary>
/// The test guest (mode <c>records</c>) as a domain on a second libvirt host (<see cref="LibvirtTestHost"/>), reached
/// over its veth address; its overlay and console are in this machine's /tmp, which that host shares.
/// </summary>
public sealed class RemoteLibvirtVm : IAsyncLifetime
{
    public const string Domain = "lifeboat-remote-test";

    private readonly TestFolder _folder = new();

    public LibvirtTestHost Host { get; } = new();

    public GuestImage Image { get; } = new();

    public LibvirtGuest Guest { get; private set; } = null!;

    public string Overlay => _folder.Combine("boot.qcow2");

    public string SerialLog => _folder.Combine("serial.log");

    public string Combine(string name) => _folder.Combine(name);

    public async Task InitializeAsync()
    {
        await Host.InitializeAsync();
        Guest = new LibvirtGuest(Host.TcpUri, Domain);
        await Guest.StartAsync(Image, Overlay, SerialLog);
    }

    public async Task DisposeAsync()
    {
        try
        {
            await Host.DisposeAsync();
        }
        finally
        {
            _folder.Dispose();
        }
    }
}
