using Lifeboat.Hypervisors.Hosts;
using Lifeboat.Hypervisors.Libvirt;
using Lifeboat.Hypervisors.Qemu.Host;
using Lifeboat.Server.Contracts.Hosts;
using Lifeboat.Server.Data;
using Lifeboat.Server.Security;
using Lifeboat.Server.Sessions;

namespace Lifeboat.Server.Inventory;

/// <summary>
/// The hypervisor hosts sessions can run VMs on: the embedded local QEMU host, always there, and the libvirt hosts an
/// admin added (local or remote), each reached through its own <see cref="IHypervisorHost"/>.
/// </summary>
public sealed class HostInventory(HostStore store, QemuHost local, LibvirtHosts libvirt, SessionStore sessions, TimeProvider time) : IHostDirectory
{
    public const string LocalName = SessionRecord.LocalHostId;
    private static readonly TimeSpan DescribeTimeout = TimeSpan.FromSeconds(20);

    /// <exception cref="SessionStepException">No host has that name (it was removed), or its address no longer resolves.</exception>
    public IHypervisorHost Get(string name)
    {
        if (name == LocalName)
            return local;
        var stored = store.List().FirstOrDefault(h => h.Name == name)
            ?? throw new SessionStepException($"There is no host {name} any more; add it again, or recover onto another host.");
        try
        {
            return libvirt.Get(stored);
        }
        catch (InvalidHostException e)
        {
            throw new SessionStepException($"Host {name} cannot be reached: {e.Message}", e);
        }
    }

    public bool Exists(string name) => name == LocalName || store.List().Any(h => h.Name == name);

    /// <summary>The hosts' names and connections without asking them anything, the local host first: for a form's choice.</summary>
    public IReadOnlyList<(string Name, string Connection)> Names() =>
        [(LocalName, "this machine's QEMU"), .. store.List().Select(h => (h.Name, h.Connection))];

    /// <summary>Every host with what it has now, asked of all at once; a host that does not answer in time says so.</summary>
    public async Task<IReadOnlyList<HostView>> ListAsync(CancellationToken cancellationToken)
    {
        var stored = store.List();
        var hosts = new List<(IHypervisorHost Host, StoredHost? Stored)> { (local, null) };
        foreach (var host in stored)
        {
            try
            {
                hosts.Add((libvirt.Get(host), host));
            }
            catch (InvalidHostException)
            {
                hosts.Add((null!, host));
            }
        }

        return await Task.WhenAll(hosts.Select(h => ViewAsync(h.Host, h.Stored, cancellationToken))).ConfigureAwait(false);
    }

    /// <summary>Adds a libvirt host once it answers, so that a mistyped URI is found now and not at the first recovery.</summary>
    /// <exception cref="InvalidHostException">A field is not valid, or the host cannot be reached; the message names the field.</exception>
    /// <exception cref="LifeboatException">A host of that name exists already.</exception>
    public async Task<HostView> AddAsync(AddHostRequest request, CancellationToken cancellationToken)
    {
        var problems = new List<FieldProblem>();
        if (AccountName.Problem(request.Name, "host") is { } nameProblem)
            problems.Add(new(HostField.Name, "name " + nameProblem));
        else if (request.Name == LocalName)
            problems.Add(new(HostField.Name, $"name {LocalName} is the embedded QEMU host's; choose another name."));
        if (!LibvirtUri.TryValidate(request.Connect, HostField.Connect, out var uriProblem))
            problems.Add(new(HostField.Connect, uriProblem));
        if (problems.Count > 0)
            throw new InvalidHostException(problems);
        if (store.List().FirstOrDefault(h => h.Name == request.Name) is { } taken)
            throw LifeboatException.Conflict($"Host {taken.Name} exists already ({taken.Connection}); remove it first or choose another name.");
        var candidate = new StoredHost(request.Name, HostKinds.Libvirt, request.Connect, request.MountServerAddress, time.GetUtcNow());
        var host = libvirt.Get(candidate);
        var view = await ViewAsync(host, candidate, cancellationToken).ConfigureAwait(false);
        if (!view.Reachable)
            throw new InvalidHostException(HostField.Connect, view.Problem ?? $"Host {request.Name} does not answer at {request.Connect}.");
        if (!store.Add(candidate))
            throw LifeboatException.Conflict($"A host named {request.Name} was added meanwhile; list them and try again.");
        return view;
    }

    /// <exception cref="LifeboatException">No added host has that name.</exception>
    /// <exception cref="LifeboatException">It is the local host, or sessions still run VMs there.</exception>
    public void Remove(string name)
    {
        if (name == LocalName)
            throw LifeboatException.Conflict($"Host {LocalName} is the embedded QEMU host; it cannot be removed.");
        var running = sessions.List().Where(s => !s.IsFinal && s.HostId == name).Select(s => s.Id).ToList();
        if (running.Count > 0)
            throw LifeboatException.Conflict($"Sessions {string.Join(", ", running)} run VMs on host {name}; stop or finalize them first.");
        if (!store.Remove(name))
            throw LifeboatException.NotFound($"There is no added host {name}.", "name");
        libvirt.Forget(name);
    }

    private static async Task<HostView> ViewAsync(IHypervisorHost? host, StoredHost? stored, CancellationToken cancellationToken)
    {
        if (host is null)
            return Unreachable(stored!, $"Host {stored!.Name}'s stored connection is no longer valid; remove it and add it again.");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(DescribeTimeout);
        HostFacts facts;
        try
        {
            facts = await host.DescribeAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Unreachable(stored, $"Host {host.Name} did not answer within {DescribeTimeout.TotalSeconds:0} s; check that its libvirtd runs and is reachable.", host);
        }

        return new HostView(facts.Name, facts.Kind, facts.Connection, BuiltIn: stored is null, facts.Reachable, facts.Problem, facts.Hostname,
            facts.LibvirtVersion, facts.QemuVersion, facts.Accelerator, facts.Cpus, facts.MemoryTotalMiB, facts.MemoryFreeMiB, facts.NfsDriver,
            facts.NbdDriver, facts.MountServerAddress, facts.LifeboatVms, stored?.AddedAt);
    }

    private static HostView Unreachable(StoredHost? stored, string problem, IHypervisorHost? host = null) =>
        new(stored?.Name ?? host!.Name, stored?.Kind ?? host!.Kind, stored?.Connection ?? "", BuiltIn: stored is null, Reachable: false, problem,
            null, null, null, null, 0, 0, 0, null, null, stored?.MountServerAddress, [], stored?.AddedAt);
}
