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
/// </remarks>
public sealed class LibvirtTestHost : IAsyncLifetime, IAsyncDisposable
{
    public const string NamePrefix = "lbvt-";
    private const string AddressLockPath = "/tmp/lifeboat-libvirt-test-host.lock";
    private const string FolderPrefix = "lifeboat-libvirt-host-";

    // libvirtd probes every QEMU binary at start (seconds each under load) and keeps what it learnt here; a new host
    // starts from what the last one learnt, which libvirtd checks against the binaries and modules itself.
    private const string CapabilitiesSeed = "/tmp/lifeboat-libvirt-test-host-capabilities";
    private const string CapabilitiesCache = "/var/cache/libvirt/qemu/capabilities";

    // /tmp is everyone's: libvirtd (root) parses the seed only from a folder that is root's alone.
    private const string SeedIsRoots = $"[ \"$(stat -c %u:%a {CapabilitiesSeed} 2>/dev/null)\" = 0:700 ]";
    private const string QemuModuleFolder = "/usr/lib/x86_64-linux-gnu/qemu";
    private const string NfsModule = "block-nfs.so";
    private const int BenchmarkRangeBlocks = 1 << 15; // the /30 blocks of 198.18.0.0/15
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(20);
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
    public string LocalInterface => $"lbvt{_id}o";

    private string InsideInterface => $"lbvt{_id}i";

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
        using (await LockAddressesAsync())
        {
            await RemoveStaleHostsAsync();
            await CreateNetworkAsync();
        }

        await MakeCertificatesAsync();
        await WriteConfigurationAsync();
        await StartHolderAsync();
        await WaitUntilAsync(async () => (await Tools.RunAsync("virsh", "-c", TcpUri, "version")).ExitCode == 0, "libvirtd to answer at " + TcpUri);
        if (!WithoutNfsDriver)
        {
            // Each file by a rename, so a host starting at the same time never reads half of one.
            await RunInsideAsync("sh", "-c", $"mkdir -p -m 700 {CapabilitiesSeed}; {SeedIsRoots} && for f in {CapabilitiesCache}/*.xml; do cp \"$f\" {CapabilitiesSeed}/.{_id} && mv {CapabilitiesSeed}/.{_id} {CapabilitiesSeed}/\"${{f##*/}}\"; done");
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
        using (await LockAddressesAsync())
        {
            if (_namespaceCreated)
            {
                await KillEverythingInsideAsync(NamespaceName);
                await Tools.RunAsync("ip", "netns", "delete", NamespaceName);
                await Tools.RunAsync("ip", "link", "delete", LocalInterface); // gone with the namespace, unless that failed
                _namespaceCreated = false;
            }

            _holder?.Dispose();
            _folder?.Delete(recursive: true);
            _folder = null;
        }
    }

    // An flock, which .NET takes for FileShare.None: held by another instance, in this process or another, it throws.
    private static async Task<FileStream> LockAddressesAsync()
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            try
            {
                return new FileStream(AddressLockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(PollInterval);
            }
        }
    }

    private async Task CreateNetworkAsync()
    {
        var addresses = await Tools.RunCheckedAsync("ip", "-o", "-4", "addr", "show");
        var used = addresses.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(word => word.Split('/')[0])
            .Select(word => IPAddress.TryParse(word, out var address) ? BlockOf(address) : -1)
            .ToHashSet();
        int block;
        do
        {
            block = RandomNumberGenerator.GetInt32(BenchmarkRangeBlocks);
        }
        while (used.Contains(block));

        byte second = (byte)(18 | (block >> 14)), third = (byte)(block >> 6), fourth = (byte)((block & 0x3F) << 2);
        LocalAddress = new IPAddress([198, second, third, (byte)(fourth + 1)]);
        HostAddress = new IPAddress([198, second, third, (byte)(fourth + 2)]);

        await Tools.RunCheckedAsync("ip", "netns", "add", NamespaceName);
        _namespaceCreated = true;
        await Tools.RunCheckedAsync("ip", "link", "add", LocalInterface, "type", "veth", "peer", "name", InsideInterface, "netns", NamespaceName);
        await Tools.RunCheckedAsync("ip", "addr", "add", $"{LocalAddress}/30", "dev", LocalInterface);
        await Tools.RunCheckedAsync("ip", "link", "set", LocalInterface, "up");
        await Tools.RunCheckedAsync("ip", "-n", NamespaceName, "addr", "add", $"{HostAddress}/30", "dev", InsideInterface);
        await Tools.RunCheckedAsync("ip", "-n", NamespaceName, "link", "set", InsideInterface, "up");
        await Tools.RunCheckedAsync("ip", "-n", NamespaceName, "link", "set", "lo", "up");
    }

    // The /30 block of 198.18.0.0/15 an address lies in, or -1.
    private static int BlockOf(IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        return bytes.Length == 4 && bytes[0] == 198 && (bytes[1] & 0xFE) == 18
            ? (((bytes[1] & 1) << 16) | (bytes[2] << 8) | bytes[3]) >> 2
            : -1;
    }

    // A test run that was killed leaves its namespace: its holder (which exits when its stdin closes) is gone.
    private static async Task RemoveStaleHostsAsync()
    {
        var (_, list) = await Tools.RunAsync("ip", "netns", "list");
        foreach (var name in list.Split('\n').Select(line => line.Split(' ')[0]).Where(name => name.StartsWith(NamePrefix, StringComparison.Ordinal)))
        {
            var id = name[NamePrefix.Length..];
            var holders = Directory.GetDirectories(Path.GetTempPath(), FolderPrefix + id + "-*")
                .Select(folder => Path.Combine(folder, "holder.pid"))
                .Where(File.Exists)
                .ToList();
            // The pid file appears whole (written beside, then renamed); one that cannot be read yet is a host starting.
            bool alive = holders.Any(file => !int.TryParse(File.ReadAllText(file).Trim(), out var pid) || Directory.Exists($"/proc/{pid}"));
            if (holders.Count == 0 || alive)
            {
                continue; // one being created holds no pid file yet; creation runs under the lock we hold
            }

            await KillEverythingInsideAsync(name);
            await Tools.RunAsync("ip", "netns", "delete", name);
            await Tools.RunAsync("ip", "link", "delete", $"lbvt{id}o");
            foreach (var holder in holders)
            {
                Directory.Delete(Path.GetDirectoryName(holder)!, recursive: true);
            }
        }
    }

    private static async Task KillEverythingInsideAsync(string namespaceName)
    {
        var deadline = DateTime.UtcNow + StopTimeout;
        while (true)
        {
            var (_, output) = await Tools.RunAsync("ip", "netns", "pids", namespaceName);
            var pids = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(line => int.TryParse(line, out var pid) ? pid : 0)
                .Where(pid => pid > 0)
                .ToList();
            if (pids.Count == 0)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Processes {string.Join(", ", pids)} in network namespace {namespaceName} outlived SIGKILL.");
            foreach (var pid in pids)
            {
                try
                {
                    using var process = Process.GetProcessById(pid);
                    process.Kill();
                }
                catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
                {
                    // gone already
                }
            }

            await Task.Delay(PollInterval);
        }
    }

    private async Task MakeCertificatesAsync()
    {
        string ca = Combine("ca"), server = Combine("pki-server");
        Array.ForEach([ca, server, PkiFolder, QemuTlsFolder, NbdClientCertificatesFolder], folder => Directory.CreateDirectory(folder));
        string caKey = Path.Combine(ca, "cakey.pem"), caCert = Path.Combine(server, "cacert.pem");
        const string Leaf = "organization = \"Lifeboat tests\"\nencryption_key\nsigning_key\nexpiration_days = 2";
        await CertificateAsync(caKey, caCert, null, "cn = \"Lifeboat test CA\"\nca\ncert_signing_key\nexpiration_days = 2");
        await CertificateAsync(Path.Combine(server, "serverkey.pem"), Path.Combine(server, "servercert.pem"), (caKey, caCert),
            $"{Leaf}\ncn = \"{HostAddress}\"\nip_address = \"{HostAddress}\"\ntls_www_server");
        await CertificateAsync(Path.Combine(PkiFolder, "clientkey.pem"), Path.Combine(PkiFolder, "clientcert.pem"), (caKey, caCert),
            $"{Leaf}\ncn = \"lifeboat-test-client\"\ntls_www_client");

        // The same files under the names libvirt's client, QEMU's server and NBD clients (QEMU, nbdinfo) want.
        foreach (var (source, target) in new[]
        {
            (caCert, CaCertificatePath), (caCert, Path.Combine(QemuTlsFolder, "ca-cert.pem")), (caCert, Path.Combine(NbdClientCertificatesFolder, "ca-cert.pem")),
            (Path.Combine(server, "servercert.pem"), Path.Combine(QemuTlsFolder, "server-cert.pem")),
            (Path.Combine(server, "serverkey.pem"), Path.Combine(QemuTlsFolder, "server-key.pem")),
            (Path.Combine(PkiFolder, "clientcert.pem"), Path.Combine(NbdClientCertificatesFolder, "client-cert.pem")),
            (Path.Combine(PkiFolder, "clientkey.pem"), Path.Combine(NbdClientCertificatesFolder, "client-key.pem")),
        })
        {
            File.Copy(source, target, overwrite: true);
        }
    }

    private static async Task CertificateAsync(string key, string certificate, (string Key, string Certificate)? issuer, string template)
    {
        string templateFile = certificate + ".info";
        await File.WriteAllTextAsync(templateFile, template + "\n");
        await Tools.RunCheckedAsync("certtool", "--generate-privkey", "--key-type=rsa", "--bits=2048", "--outfile", key);
        string[] signing = issuer is { } ca
            ? ["--generate-certificate", "--load-ca-certificate", ca.Certificate, "--load-ca-privkey", ca.Key]
            : ["--generate-self-signed"];
        await Tools.RunCheckedAsync("certtool", [.. signing, "--load-privkey", key, "--template", templateFile, "--outfile", certificate]);
    }

    private async Task WriteConfigurationAsync()
    {
        await Tools.RunCheckedAsync("cp", "-a", "/etc/libvirt", ConfigFolder);
        // Nothing of the machine's own may start there: no network (a bridge), pool or domain marked autostart,
        // and none of its persistent domains.
        foreach (var autostart in new[] { "qemu/networks/autostart", "storage/autostart", "qemu/autostart" })
        {
            var folder = Path.Combine(ConfigFolder, autostart);
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }

        foreach (var domain in Directory.GetFiles(Path.Combine(ConfigFolder, "qemu"), "*.xml"))
        {
            File.Delete(domain);
        }

        string server = Combine("pki-server");
        await File.WriteAllTextAsync(Path.Combine(ConfigFolder, "libvirtd.conf"), $"""
            listen_tls = 1
            listen_tcp = 1
            listen_addr = "{HostAddress}"
            auth_tcp = "none"
            auth_tls = "none"
            ca_file = "{server}/cacert.pem"
            cert_file = "{server}/servercert.pem"
            key_file = "{server}/serverkey.pem"
            log_outputs = "3:file:/var/log/libvirt/libvirtd.log"

            """);
        await File.WriteAllTextAsync(Path.Combine(ConfigFolder, "qemu.conf"), $"""
            user = "root"
            group = "root"
            security_driver = "none"
            remember_owner = 0
            cgroup_controllers = [ ]
            default_tls_x509_cert_dir = "{QemuTlsFolder}"
            default_tls_x509_verify = 1

            """);

        if (WithoutNfsDriver)
        {
            // Not an empty folder: the TCG accelerator is a module there too.
            var modules = Directory.CreateDirectory(Combine("qemu-modules")).FullName;
            foreach (var module in Directory.GetFiles(QemuModuleFolder).Where(file => Path.GetFileName(file) != NfsModule))
            {
                File.Copy(module, Path.Combine(modules, Path.GetFileName(module)));
            }
        }
    }

    private async Task StartHolderAsync()
    {
        var modules = WithoutNfsDriver ? $"mount --bind '{Combine("qemu-modules")}' {QemuModuleFolder}" : ":";
        var script = $"""
            set -e
            mount -t tmpfs -o mode=0755 tmpfs /run
            mkdir -m 1777 /run/lock
            for folder in /var/lib/libvirt /var/cache/libvirt /var/log/libvirt; do mount -t tmpfs -o mode=0755 tmpfs "$folder"; done
            mount --bind '{ConfigFolder}' /etc/libvirt
            {modules}
            mkdir -p {CapabilitiesCache}
            if {SeedIsRoots}; then cp {CapabilitiesSeed}/*.xml {CapabilitiesCache}/ 2>/dev/null || true; fi
            virtlogd -d
            libvirtd -d --listen
            echo $$ > '{Combine("holder.pid.new")}' && mv '{Combine("holder.pid.new")}' '{Combine("holder.pid")}'
            echo ready
            exec cat > /dev/null
            """;
        var start = new ProcessStartInfo("ip")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "netns", "exec", NamespaceName, "unshare", "--mount", "--propagation", "private", "sh", "-c", script })
        {
            start.ArgumentList.Add(argument);
        }

        _holder = Process.Start(start) ?? throw new InvalidOperationException("Could not start ip netns exec.");
        var errors = _holder.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(StartTimeout);
        var line = await _holder.StandardOutput.ReadLineAsync(timeout.Token);
        if (line != "ready")
        {
            await _holder.WaitForExitAsync(timeout.Token);
            throw new InvalidOperationException($"The test libvirt host in {NamespaceName} did not start: {await errors}");
        }

        HolderProcessId = int.Parse((await File.ReadAllTextAsync(Combine("holder.pid"))).Trim(), CultureInfo.InvariantCulture);
    }

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
