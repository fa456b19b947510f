using System.Net;
using Lifeboat.Nbd.Server;
using Lifeboat.Nfs.Server;
using Microsoft.Extensions.Logging;

namespace Lifeboat.MountServer.Publishing;

/// <summary>
/// The addresses of this machine the mount server listens at besides its own, for narrowed publications whose
/// clients reach it there: NFS and MOUNT (and portmap when served) through <see cref="NfsServer.ListenAlsoAsync"/>,
/// and NBD on the NBD server's port through another <see cref="NbdServer"/> of the same exports. An address is served
/// while a publication needs it.
/// </summary>
internal sealed class ServedAddresses(NfsServer nfs, NbdServer? nbd, NbdServerOptions? nbdOptions, INbdExportProvider exports, ILoggerFactory loggerFactory) : IAsyncDisposable
{
    private readonly Dictionary<IPAddress, NbdServer?> _served = [];
    private readonly SemaphoreSlim _gate = new(1, 1);

    public IReadOnlyCollection<IPAddress> Addresses
    {
        get
        {
            lock (_served)
                return [.. _served.Keys];
        }
    }

    /// <summary>Listens at <paramref name="address"/> unless it already does; throws <see cref="System.Net.Sockets.SocketException"/> when a port there cannot be had.</summary>
    public async Task AddAsync(IPAddress address)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            lock (_served)
            {
                if (_served.ContainsKey(address))
                    return;
            }
            await nfs.ListenAlsoAsync(address).ConfigureAwait(false);
            NbdServer? nbdThere = null;
            if (nbd is not null && nbdOptions is not null && nbd.LocalEndPoint is IPEndPoint main && !IsWildcardOr(main.Address, address))
            {
                nbdThere = new NbdServer(exports, nbdOptions.At(new IPEndPoint(address, main.Port)), loggerFactory.CreateLogger<NbdServer>());
                try
                {
                    nbdThere.Start();
                }
                catch
                {
                    await nbdThere.DisposeAsync().ConfigureAwait(false);
                    await nfs.StopListeningAsync(address).ConfigureAwait(false);
                    throw;
                }
            }
            lock (_served)
                _served[address] = nbdThere;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops listening at every address not in <paramref name="needed"/>.</summary>
    public async Task KeepOnlyAsync(IReadOnlySet<IPAddress> needed)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            List<KeyValuePair<IPAddress, NbdServer?>> unneeded;
            lock (_served)
            {
                unneeded = [.. _served.Where(s => !needed.Contains(s.Key))];
                foreach (var (address, _) in unneeded)
                    _served.Remove(address);
            }
            foreach (var (address, nbdThere) in unneeded)
            {
                if (nbdThere is not null)
                    await nbdThere.DisposeAsync().ConfigureAwait(false);
                await nfs.StopListeningAsync(address).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KeepOnlyAsync(new HashSet<IPAddress>()).ConfigureAwait(false);
        _gate.Dispose();
    }

    private static bool IsWildcardOr(IPAddress listening, IPAddress address) =>
        listening.Equals(IPAddress.Any) || listening.Equals(IPAddress.IPv6Any) || listening.Equals(address);
}
