using System.Collections.Concurrent;
using Lifeboat.Hypervisors.Hosts;
using Lifeboat.Hypervisors.Libvirt;
using Lifeboat.Server.Data;

namespace Lifeboat.Server.Inventory;

/// <summary>One <see cref="IHypervisorHost"/> per added libvirt host, made when first needed and kept while the host is added.</summary>
public sealed class LibvirtHosts : IDisposable
{
    private readonly ConcurrentDictionary<string, (StoredHost Stored, IHypervisorHost Host)> _hosts = new(StringComparer.Ordinal);

    /// <exception cref="InvalidHostException">Its URI's host does not resolve, or its mount server address is not this machine's.</exception>
    public IHypervisorHost Get(StoredHost stored)
    {
        if (_hosts.TryGetValue(stored.Name, out var known) && known.Stored == stored)
            return known.Host;
        var network = HostAddresses.For(stored.Connection, stored.MountServerAddress);
        var host = Create(stored, network);
        _hosts[stored.Name] = (stored, host);
        return host;
    }

    public void Forget(string name)
    {
        if (_hosts.TryRemove(name, out var gone))
            (gone.Host as IDisposable)?.Dispose();
    }

    public void Dispose()
    {
        foreach (var (_, host) in _hosts.Values)
            (host as IDisposable)?.Dispose();
        _hosts.Clear();
    }

    private static IHypervisorHost Create(StoredHost stored, HostNetwork? network) => new LibvirtHost(stored.Name, stored.Connection, network);
}
