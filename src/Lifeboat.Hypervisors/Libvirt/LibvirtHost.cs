using Lifeboat.Hypervisors.Hosts;
using Lifeboat.Hypervisors.Qemu;

namespace Lifeboat.Hypervisors.Libvirt;

/// <summary>
/// A libvirt host, on this machine or another: VMs are domains its admins see, with network disks on the mount
/// server; one connection through libvirt's C API, opened again when it broke.
/// </summary>
public sealed class LibvirtHost : IHypervisorHost, IDisposable
{
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private LibvirtConnection? _connection;
    private (bool? Nfs, bool? Nbd)? _drivers;

    /// <param name="uri">A <see cref="LibvirtUri"/>.</param>
    /// <param name="network">How the host and the mount server reach each other; null for qemu:///system.</param>
    /// <exception cref="ArgumentException"><paramref name="uri"/> is not a libvirt URI Lifeboat uses.</exception>
    public LibvirtHost(string name, string uri, HostNetwork? network)
    {
        Name = name;
        Uri = LibvirtUri.Validate(uri, "the host's libvirt URI");
        Network = network;
    }

    public string Name { get; }

    public string Kind => HostKinds.Libvirt;

    public string Uri { get; }

    public HostNetwork? Network { get; }

    public async Task<HostFacts> DescribeAsync(CancellationToken cancellationToken)
    {
        var facts = new HostFacts { Name = Name, Kind = Kind, Connection = Uri, MountServerAddress = Network?.MountServerAddress.ToString() };
        try
        {
            var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
            return await LibvirtConnection.RunAsync(() =>
            {
                var (cpus, memory) = connection.NodeInfo();
                var accelerator = Accelerator(connection);
                var (nfs, nbd) = Drivers(connection, accelerator);
                return facts with
                {
                    Reachable = true,
                    Hostname = connection.Hostname(),
                    LibvirtVersion = connection.LibraryVersion(),
                    QemuVersion = connection.HypervisorVersion(),
                    Accelerator = accelerator == "kvm" ? "kvm" : "tcg",
                    Cpus = cpus,
                    MemoryTotalMiB = memory,
                    MemoryFreeMiB = connection.FreeMemoryMiB(),
                    NfsDriver = nfs,
                    NbdDriver = nbd,
                    LifeboatVms = LifeboatDomains(connection),
                };
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (LibvirtException ex)
        {
            return facts with { Reachable = false, Problem = Unreachable(ex) };
        }
    }

    public async Task<string> CheckAsync(HostedVmSpec spec, CancellationToken cancellationToken)
    {
        var connection = await ConnectOrExplainAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await LibvirtConnection.RunAsync(() => Check(connection, spec), cancellationToken).ConfigureAwait(false);
        }
        catch (LibvirtException ex)
        {
            throw new HostException($"Host {Name} ({Uri}) failed a check: {ex.Message}; check the host and try again.", ex);
        }
    }

    public async Task<IHostedVm> DefineAsync(HostedVmSpec spec, CancellationToken cancellationToken)
    {
        var connection = await ConnectOrExplainAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var domain = await LibvirtConnection.RunAsync(
                () => connection.Define(LibvirtHostedDomainXml.Create(spec, DomainType(connection, spec))), cancellationToken).ConfigureAwait(false);
            return new LibvirtHostedVm(this, connection, domain, spec);
        }
        catch (Exception ex) when (ex is LibvirtException or ArgumentException)
        {
            throw new HostException($"Host {Name} ({Uri}) refused to define VM {spec.Vm.Name}: {ex.Message}", ex);
        }
    }

    public async Task<IHostedVm?> FindAsync(string reference, HostedVmSpec spec, CancellationToken cancellationToken)
    {
        var connection = await ConnectOrExplainAsync(cancellationToken).ConfigureAwait(false);
        var domain = await LibvirtConnection.RunAsync(() => connection.LookupByUuid(reference), cancellationToken).ConfigureAwait(false);
        if (domain is null)
            return null;
        if (LibvirtHostedDomainXml.ReadMetadata(domain.Metadata(LibvirtHostedDomainXml.MetadataNamespace))?.SessionId != spec.SessionId)
        {
            domain.Dispose(); // another session's, or none of Lifeboat's
            return null;
        }

        var vm = new LibvirtHostedVm(this, connection, domain, spec);
        // Whether it runs is known from here on without asking the host again (IHostedVm.IsRunning).
        if ((await vm.QueryStatusAsync(cancellationToken).ConfigureAwait(false)).Running)
            await vm.ResumeConsoleCopyAsync(cancellationToken).ConfigureAwait(false);
        return vm;
    }

    /// <summary>Opens the running domain named <paramref name="name"/>, whoever defined it (restores into it, disks plugged into it).</summary>
    /// <exception cref="HostException">The host cannot be reached, has no domain of that name, or it does not run; the message names the host.</exception>
    public async Task<LibvirtRunningVm> OpenRunningAsync(string name, CancellationToken cancellationToken)
    {
        var connection = await ConnectOrExplainAsync(cancellationToken).ConfigureAwait(false);
        var domain = await LibvirtConnection.RunAsync(() => connection.LookupByName(name), cancellationToken).ConfigureAwait(false)
            ?? throw new HostException($"Host {Name} has no VM named {name}; list its VMs with virsh -c {Uri} list --all, or name another host.");
        try
        {
            var state = await LibvirtConnection.RunAsync(domain.State, cancellationToken).ConfigureAwait(false);
            if (state is not (LibvirtDomainState.Running or LibvirtDomainState.Blocked))
                throw new HostException($"VM {name} on host {Name} is not running (it is {state.ToString().ToLowerInvariant()}); start it first.");
        }
        catch (Exception ex) when (ex is HostException or LibvirtException)
        {
            domain.Dispose();
            if (ex is LibvirtException libvirt)
                throw new HostException($"Host {Name} could not say whether VM {name} runs ({libvirt.Message.TrimEnd('.')}); check the host and try again.", libvirt);
            throw;
        }

        return new LibvirtRunningVm(domain, Name);
    }

    public void Dispose()
    {
        _connection?.Dispose();
        _connecting.Dispose();
    }

    /// <summary>One sentence for a host that cannot be reached, with what to do.</summary>
    internal string Unreachable(LibvirtException ex) =>
        $"Host {Name} cannot be reached at {Uri} ({ex.Message.TrimEnd('.')}); check that libvirtd runs there and listens for this transport, and that this machine may connect.";

    private string Check(LibvirtConnection connection, HostedVmSpec spec)
    {
        var vm = spec.Vm;
        var (cpus, _) = connection.NodeInfo();
        if (cpus < vm.Cpus)
            throw new HostException($"Host {Name} has {cpus} CPUs and VM {vm.Name} wants {vm.Cpus}; give the VM fewer CPUs or choose a larger host.");
        var free = connection.FreeMemoryMiB();
        if (free < vm.MemoryMiB)
            throw new HostException($"Host {Name} has {free} MiB of free memory and VM {vm.Name} wants {vm.MemoryMiB} MiB; free memory there or choose another host.");
        var accelerator = Accelerator(connection);
        if (vm.Accelerator == QemuAcceleratorKind.Kvm && accelerator != "kvm")
            throw new HostException($"Host {Name} offers no KVM and VM {vm.Name} asks for it; let the VM run under TCG or choose a host with KVM.");
        var (nfs, nbd) = Drivers(connection, accelerator);
        foreach (var disk in vm.Disks)
        {
            string protocol;
            try
            {
                protocol = LibvirtHostedDomainXml.Protocol(disk);
            }
            catch (ArgumentException ex)
            {
                throw new HostException($"Host {Name} cannot run VM {vm.Name}: {ex.Message}", ex);
            }

            if ((protocol == "nfs" ? nfs : nbd) == false)
            {
                throw new HostException($"Host {Name}'s QEMU lacks the {protocol} block driver that disk {disk.Source} needs; "
                    + (protocol == "nfs" ? "install the Debian package qemu-block-extra there, or recover over NBD (protocol nbd)." : "install a QEMU with NBD there."));
            }
        }

        using (var existing = connection.LookupByName(vm.Name))
        {
            if (existing is not null)
                throw new HostException($"Host {Name} already has a VM named {vm.Name}; remove it there (virsh undefine {vm.Name}) or restore under another name.");
        }

        return $"host {Name} ({Uri}): {cpus} CPUs, {free} MiB free, {(accelerator == "kvm" ? "KVM" : "TCG")}, block drivers nfs {Told(nfs)} nbd {Told(nbd)}; no VM named {vm.Name}";
    }

    private static string Told(bool? driver) => driver switch { true => "yes", false => "no", null => "unknown" };

    private (bool? Nfs, bool? Nbd) Drivers(LibvirtConnection connection, string accelerator)
    {
        if (_drivers is { } known)
            return known;
        try
        {
            _drivers = LibvirtDriverProbe.Probe(connection, accelerator);
        }
        catch (LibvirtException)
        {
            return (null, null); // told as unknown; asked again next time
        }

        return _drivers.Value;
    }

    // What the VM asks for, else what the host offers (libvirt offers KVM wherever /dev/kvm opens, even where it cannot run a guest).
    private static string DomainType(LibvirtConnection connection, HostedVmSpec spec) => spec.Vm.Accelerator switch
    {
        QemuAcceleratorKind.Kvm => "kvm",
        QemuAcceleratorKind.Tcg => "qemu",
        _ => Accelerator(connection),
    };

    /// <summary>
    /// <c>kvm</c> when the host offers it for x86_64 and its CPU can run guests under it, else <c>qemu</c> (TCG):
    /// libvirt lists KVM wherever /dev/kvm opens, and a CPU without vmx or svm then fails the guest's first MSR write.
    /// </summary>
    internal static string Accelerator(LibvirtConnection connection)
    {
        var capabilities = connection.Capabilities();
        if (!capabilities.Contains("<domain type='kvm'", StringComparison.Ordinal))
            return "qemu";
        var features = System.Xml.Linq.XDocument.Parse(capabilities).Root?.Element("host")?.Element("cpu")?.Elements("feature")
            .Select(f => (string?)f.Attribute("name")) ?? [];
        return features.Any(name => name is "vmx" or "svm") ? "kvm" : "qemu";
    }

    private static List<string> LifeboatDomains(LibvirtConnection connection)
    {
        var names = new List<string>();
        foreach (var domain in connection.ListAllDomains())
        {
            using (domain)
            {
                if (domain.Metadata(LibvirtHostedDomainXml.MetadataNamespace) is not null)
                    names.Add(domain.Name);
            }
        }

        return names;
    }

    private async Task<LibvirtConnection> ConnectOrExplainAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await ConnectAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (LibvirtException ex)
        {
            throw new HostException(Unreachable(ex), ex);
        }
    }

    private async Task<LibvirtConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        await _connecting.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_connection is not null && _connection.IsAlive())
                return _connection;
            // A broken connection is dropped, not closed: VMs found on it still hold it, and their calls now fail
            // with libvirt's words instead of a disposed handle; its SafeHandle closes it when the last one lets go.
            _connection = null;
            _connection = await LibvirtConnection.OpenAsync(Uri, cancellationToken).ConfigureAwait(false);
            return _connection;
        }
        finally
        {
            _connecting.Release();
        }
    }
}
