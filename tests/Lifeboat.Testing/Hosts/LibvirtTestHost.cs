using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using Lifeboat.Testing.Processes;

namespace Lifeboat.Testing.Hosts;

/// <summary>
/// A second libvirt host for tests, beside this machine's own and touching none of it: a network namespace joined to
/// this one by a veth pair whose two addresses (a random /30 of 198.18.0.0/15) exist only on that pair, and inside it
/// a private mount namespace with tmpfs over /run and /var/{lib,cache,log}/libvirt and a copy of /etc/libvirt, where
/// virtlogd and libvirtd run, listening on TCP (no authentication: tests only) and TLS at <see cref="HostAddress"/>.
/// Its /tmp is the machine's, so files can be shared for checks. Disposing it kills everything inside, deletes the
/// namespace and the veth pair, and leaves nothing behind.
/// </summary>
/// <remarks>
/// Use it as a class fixture (<see cref="IAsyncLifetime"/>) or through <see cref="StartAsync"/> (and <c>await using</c>). Two test projects
/// may create one at once: names are random, and the address is chosen under a machine-wide lock.
/// The network is <see cref="LibvirtTestHostNetwork"/>'s, the certificates <see cref="LibvirtTestHostCertificates"/>'
/// and the daemons <see cref="LibvirtTestHostDaemon"/>'s.
/// </remarks>
public sealed class LibvirtTestHost : IAsyncLifetime, IAsyncDisposable
{
    public const string NamePrefix = "lbvt-";
    internal const string FolderPrefix = "lifeboat-libvirt-host-";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    private readonly string _id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
    private DirectoryInfo? _folder;
    private Process? _holder;
    private bool _namespaceCreated;

    /// <summary>Hides the host's QEMU nfs block driver (block-nfs.so), so that host cannot open nfs:// disks.</summary>
    public bool WithoutNfsDriver { get; init; }

    /// <summary>The network namespace's name (<c>ip netns</c>).</summary>
    public string NamespaceName => NamePrefix + _id;

    /// <summary>The veth end on this machine's side.</summary>
    public string LocalInterface => LocalInterfaceOf(_id);

    /// <summary>This machine's address on the veth pair: what the host reaches this machine's servers at.</summary>
    public IPAddress LocalAddress { get; private set; } = IPAddress.None;

    /// <summary>The host's address on the veth pair, where its libvirtd listens.</summary>
    public IPAddress HostAddress { get; private set; } = IPAddress.None;

    public string TcpUri => $"qemu+tcp://{HostAddress}/system";

    /// <summary>The TLS URI with a client certificate from <see cref="PkiFolder"/>.</summary>
    public string TlsUri => $"qemu+tls://{HostAddress}/system?pkipath={PkiFolder}";

    /// <summary>The client's folder as libvirt wants it: cacert.pem, clientcert.pem, clientkey.pem.</summary>
    public string PkiFolder => Combine("pki-client");

    /// <summary>The test CA that signed the host's server certificate and the client certificate.</summary>
    public string CaCertificatePath => Path.Combine(PkiFolder, "cacert.pem");

    /// <summary>
    /// The host QEMU's default_tls_x509_cert_dir (ca-cert.pem, server-cert.pem, server-key.pem), which a TLS NBD
    /// export of a backup uses.
    /// </summary>
    public string QemuTlsFolder => Combine("qemu-tls");

    /// <summary>The client certificates for an NBD client of that export, named as QEMU and nbdinfo want them.</summary>
    public string NbdClientCertificatesFolder => Combine("nbd-client");

    /// <summary>The host's /etc/libvirt (a copy, mounted over it inside).</summary>
    public string ConfigFolder => Combine("etc");

    /// <summary>The process whose namespaces are the host's (nsenter --target).</summary>
    public int HolderProcessId { get; private set; }

    /// <summary>libvirtd's certificate, its key and the CA's certificate.</summary>
    internal string ServerPkiFolder => Combine("pki-server");

    private string InsideInterface => $"lbvt{_id}i";

    public static async Task<LibvirtTestHost> StartAsync(bool withoutNfsDriver = false)
    {
        var host = new LibvirtTestHost { WithoutNfsDriver = withoutNfsDriver };
        try
        {
            await host.InitializeAsync();
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    public async Task InitializeAsync()
    {
        _folder = Directory.CreateTempSubdirectory(FolderPrefix + _id + "-");
        using (await LibvirtTestHostNetwork.LockAddressesAsync())
        {
            await LibvirtTestHostNetwork.RemoveStaleHostsAsync();
            (LocalAddress, HostAddress) = await LibvirtTestHostNetwork.ChooseAddressesAsync();
            await LibvirtTestHostNetwork.CreateAsync(this, InsideInterface, () => _namespaceCreated = true);
        }

        await LibvirtTestHostCertificates.MakeAsync(this);
        await LibvirtTestHostDaemon.WriteConfigurationAsync(this);
        _holder = await LibvirtTestHostDaemon.StartHolderAsync(this);
        HolderProcessId = await LibvirtTestHostDaemon.HolderProcessIdAsync(this);
        await WaitUntilAsync(async () => (await Tools.RunAsync("virsh", "-c", TcpUri, "version")).ExitCode == 0, "libvirtd to answer at " + TcpUri);
        if (!WithoutNfsDriver)
        {
            await LibvirtTestHostDaemon.SeedCapabilitiesAsync(this);
        }
    }

    /// <summary>Runs a program inside the host's namespaces (network and mounts), as root.</summary>
    public Task<ToolResult> RunInsideAsync(string fileName, params string[] arguments) =>
        Tools.RunAsync("nsenter", ["--target", HolderProcessId.ToString(CultureInfo.InvariantCulture), "--mount", "--net", "--", fileName, .. arguments]);

    /// <summary>Kills the host's libvirtd (SIGKILL) and waits until it is gone; its domains keep running.</summary>
    public async Task KillLibvirtdAsync()
    {
        var (exitCode, output) = await RunInsideAsync("cat", "/run/libvirtd.pid");
        Assert.True(exitCode == 0, $"The test host's libvirtd has no pid file: {output}");
        using var libvirtd = Process.GetProcessById(int.Parse(output.Trim(), CultureInfo.InvariantCulture));
        libvirtd.Kill();
        await libvirtd.WaitForExitAsync();
    }

    /// <summary>Starts the host's libvirtd again after <see cref="KillLibvirtdAsync"/>; returns once it answers.</summary>
    public async Task StartLibvirtdAsync()
    {
        var (exitCode, output) = await RunInsideAsync("libvirtd", "-d", "--listen");
        Assert.True(exitCode == 0, $"The test host's libvirtd did not start again: {output}");
        await WaitUntilAsync(async () => (await Tools.RunAsync("virsh", "-c", TcpUri, "version")).ExitCode == 0, "libvirtd to answer again at " + TcpUri);
    }

    public string Combine(string name) => Path.Combine(_folder?.FullName ?? throw new InvalidOperationException("The test host is not started."), name);

    ValueTask IAsyncDisposable.DisposeAsync() => new(DisposeAsync());

    public async Task DisposeAsync()
    {
        // Under the lock a starting host sweeps stale ones with: between the holder's death and the namespace's removal
        // this host looks stale, and a host starting meanwhile once deleted its folder while it was being deleted here.
        using (await LibvirtTestHostNetwork.LockAddressesAsync())
        {
            if (_namespaceCreated)
            {
                await LibvirtTestHostNetwork.DeleteAsync(NamespaceName, LocalInterface);
                _namespaceCreated = false;
            }

            _holder?.Dispose();
            _folder?.Delete(recursive: true);
            _folder = null;
        }
    }

    /// <summary>The veth end on this machine's side of the host with <paramref name="id"/>.</summary>
    internal static string LocalInterfaceOf(string id) => $"lbvt{id}o";

    private async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (!await condition())
        {
            if (DateTime.UtcNow >= deadline)
            {
                var (_, log) = await RunInsideAsync("tail", "-n", "20", "/var/log/libvirt/libvirtd.log");
                Assert.Fail($"Timed out waiting for {what}; its log ends: {log}");
            }

            await Task.Delay(PollInterval);
        }
    }
}
