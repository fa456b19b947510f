using System.Collections.Concurrent;
using Lifeboat.Hypervisors.Hosts;
using Lifeboat.Server.Data;

namespace Lifeboat.Server.Inventory;

/// <summary>One <see cref="IHypervisorHost"/> per added libvirt host, made when first needed and kept while the host is added.</summary>
public sealed class LibvirtHosts : IAsyncDisposable
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
        if (_hosts.TryRemove(name, out var gone) && gone.Host is IAsyncDisposable disposable)
            _ = disposable.DisposeAsync().AsTask();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (_, host) in _hosts.Values)
        {
            if (host is IAsyncDisposable disposable)
                await disposable.DisposeAsync().ConfigureAwait(false);
        }

        _hosts.Clear();
    }

    private static IHypervisorHost Create(StoredHost stored, HostNetwork? network) =>
        throw new NotSupportedException($"libvirt host {stored.Name} ({stored.Connection}, {network}) waits for LibvirtHost");
}
