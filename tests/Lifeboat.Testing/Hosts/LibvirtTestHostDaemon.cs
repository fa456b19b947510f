using System.Diagnostics;
using System.Globalization;
using Lifeboat.Testing.Processes;

namespace Lifeboat.Testing.Hosts;

/// <summary>
/// The test host's virtlogd and libvirtd: their configuration (a copy of /etc/libvirt with nothing of this machine's
/// set to start), the holder process whose private mounts they run in, and the QEMU capabilities a host hands on.
/// </summary>
internal static class LibvirtTestHostDaemon
{
    public const string HolderPidFile = "holder.pid";

    // libvirtd probes every QEMU binary at start (seconds each under load) and keeps what it learnt here; a new host
    // starts from what the last one learnt, which libvirtd checks against the binaries and modules itself.
    private const string CapabilitiesSeed = "/tmp/lifeboat-libvirt-test-host-capabilities";
    private const string CapabilitiesCache = "/var/cache/libvirt/qemu/capabilities";

    // /tmp is everyone's: libvirtd (root) parses the seed only from a folder that is root's alone.
    private const string SeedIsRoots = $"[ \"$(stat -c %u:%a {CapabilitiesSeed} 2>/dev/null)\" = 0:700 ]";
    private const string QemuModuleFolder = "/usr/lib/x86_64-linux-gnu/qemu";
    private const string NfsModule = "block-nfs.so";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    public static async Task WriteConfigurationAsync(LibvirtTestHost host)
    {
        await Tools.RunCheckedAsync("cp", "-a", "/etc/libvirt", host.ConfigFolder);
        // Nothing of the machine's own may start there: no network (a bridge), pool or domain marked autostart,
        // and none of its persistent domains.
        foreach (var autostart in new[] { "qemu/networks/autostart", "storage/autostart", "qemu/autostart" })
        {
            var folder = Path.Combine(host.ConfigFolder, autostart);
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }

        foreach (var domain in Directory.GetFiles(Path.Combine(host.ConfigFolder, "qemu"), "*.xml"))
        {
            File.Delete(domain);
        }

        string server = host.ServerPkiFolder;
        await File.WriteAllTextAsync(Path.Combine(host.ConfigFolder, "libvirtd.conf"), $"""
            listen_tls = 1
            listen_tcp = 1
            listen_addr = "{host.HostAddress}"
            auth_tcp = "none"
            auth_tls = "none"
            ca_file = "{server}/cacert.pem"
            cert_file = "{server}/servercert.pem"
            key_file = "{server}/serverkey.pem"
            log_outputs = "3:file:/var/log/libvirt/libvirtd.log"

            """);
        await File.WriteAllTextAsync(Path.Combine(host.ConfigFolder, "qemu.conf"), $"""
            user = "root"
            group = "root"
            security_driver = "none"
            remember_owner = 0
            cgroup_controllers = [ ]
            default_tls_x509_cert_dir = "{host.QemuTlsFolder}"
            default_tls_x509_verify = 1

            """);

        if (host.WithoutNfsDriver)
        {
            // Not an empty folder: the TCG accelerator is a module there too.
            var modules = Directory.CreateDirectory(host.Combine("qemu-modules")).FullName;
            foreach (var module in Directory.GetFiles(QemuModuleFolder).Where(file => Path.GetFileName(file) != NfsModule))
            {
                File.Copy(module, Path.Combine(modules, Path.GetFileName(module)));
            }
        }
    }

    /// <summary>
    /// Starts the holder: a shell in the host's network namespace and a private mount namespace that mounts the
    /// host's folders, starts virtlogd and libvirtd, then lives until its stdin closes. Returns once they started.
    /// </summary>
    public static async Task<Process> StartHolderAsync(LibvirtTestHost host)
    {
        var modules = host.WithoutNfsDriver ? $"mount --bind '{host.Combine("qemu-modules")}' {QemuModuleFolder}" : ":";
        var pidFile = host.Combine(HolderPidFile);
        var script = $"""
            set -e
            mount -t tmpfs -o mode=0755 tmpfs /run
            mkdir -m 1777 /run/lock
            for folder in /var/lib/libvirt /var/cache/libvirt /var/log/libvirt; do mount -t tmpfs -o mode=0755 tmpfs "$folder"; done
            mount --bind '{host.ConfigFolder}' /etc/libvirt
            {modules}
            mkdir -p {CapabilitiesCache}
            if {SeedIsRoots}; then cp {CapabilitiesSeed}/*.xml {CapabilitiesCache}/ 2>/dev/null || true; fi
            virtlogd -d
            libvirtd -d --listen
            echo $$ > '{pidFile}.new' && mv '{pidFile}.new' '{pidFile}'
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
        foreach (var argument in new[] { "netns", "exec", host.NamespaceName, "unshare", "--mount", "--propagation", "private", "sh", "-c", script })
        {
            start.ArgumentList.Add(argument);
        }

        var holder = Process.Start(start) ?? throw new InvalidOperationException("Could not start ip netns exec.");
        try
        {
            var errors = holder.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(StartTimeout);
            var line = await holder.StandardOutput.ReadLineAsync(timeout.Token);
            if (line != "ready")
            {
                await holder.WaitForExitAsync(timeout.Token);
                throw new InvalidOperationException($"The test libvirt host in {host.NamespaceName} did not start: {await errors}");
            }

            return holder;
        }
        catch
        {
            holder.Dispose();
            throw;
        }
    }

    /// <summary>The holder's pid, whose namespaces are the host's.</summary>
    public static async Task<int> HolderProcessIdAsync(LibvirtTestHost host) =>
        int.Parse((await File.ReadAllTextAsync(host.Combine(HolderPidFile))).Trim(), CultureInfo.InvariantCulture);

    /// <summary>Hands what this host's libvirtd learnt of QEMU on to the next host (a host without the nfs driver learnt less).</summary>
    public static async Task SeedCapabilitiesAsync(LibvirtTestHost host)
    {
        // Each file by a rename, so a host starting at the same time never reads half of one.
        var partial = $"{CapabilitiesSeed}/.{host.NamespaceName}";
        await host.RunInsideAsync("sh", "-c", $"mkdir -p -m 700 {CapabilitiesSeed}; {SeedIsRoots} && for f in {CapabilitiesCache}/*.xml; do cp \"$f\" {partial} && mv {partial} {CapabilitiesSeed}/\"${{f##*/}}\"; done");
    }
}
