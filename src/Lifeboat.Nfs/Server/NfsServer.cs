using System.Net;
using System.Net.Sockets;
using Lifeboat.Nfs.Datastore;
using Lifeboat.Nfs.Mount;
using Lifeboat.Nfs.Nfs3;
using Lifeboat.OncRpc.Portmap;
using Lifeboat.OncRpc.Rpc;
using Lifeboat.OncRpc.Server;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lifeboat.Nfs.Server;

/// <summary>
/// The mount server: portmap v2, MOUNT v3 and NFSv3 on one port over the datastore file system, plus portmap on
/// port 111 (its own, over TCP and UDP, or the system rpcbind's with MOUNT and NFS registered in it). MOUNT and NFS
/// are served over TCP only.
/// </summary>
/// <example>
/// <code>
/// await using var server = new NfsServer(new NfsServerOptions { EndPoint = new(IPAddress.Any, NfsServerOptions.DefaultPort) }, loggerFactory);
/// await server.StartAsync();
/// var publication = server.Publish("vm1", [new DatastoreFile("lifeboat.json", json)], [new PublishedDatastoreDisk(disk)], cacheFolder); // MountServer's adapter of a PublishedDisk
/// foreach (var url in server.DiskUrls(publication)) Console.WriteLine(url);
/// </code>
/// </example>
public sealed class NfsServer : IAsyncDisposable
{
    private readonly NfsServerOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly PortmapProgram _portmap;
    private readonly RpcServer _server;
    private readonly IRpcProgram[] _programs;
    private readonly Dictionary<IPAddress, NfsAddressListener> _otherAddresses = [];
    private RpcServer? _portmapServer;
    private RpcDatagramServer? _portmapDatagramServer;
    private bool _registeredWithSystem;
    private int _stopped;

    public NfsServer(NfsServerOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        _options = options ?? new NfsServerOptions();
        ArgumentNullException.ThrowIfNull(_options.EndPoint);
        ArgumentOutOfRangeException.ThrowIfNegative(_options.PortmapPort);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(_options.PortmapPort, IPEndPoint.MaxPort);
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<NfsServer>();
        Datastore = new DatastoreFileSystem(_options.Datastore, _loggerFactory.CreateLogger<DatastoreFileSystem>());
        _portmap = new PortmapProgram(_loggerFactory.CreateLogger<PortmapProgram>());
        IRpcProgram[] programs = _programs =
        [
            _portmap,
            new MountProgram(Datastore, _options.AllowedClients, _loggerFactory.CreateLogger<MountProgram>()),
            new Nfs3Program(Datastore, _options.AllowedClients, _options.Nfs, _loggerFactory.CreateLogger<Nfs3Program>()),
            .. _options.AdditionalPrograms,
        ];
        _server = new RpcServer(programs, new RpcServerOptions { EndPoint = _options.EndPoint }, _loggerFactory.CreateLogger<RpcServer>());
    }

    public DatastoreFileSystem Datastore { get; }

    /// <summary>The port of MOUNT and NFS (and of a portmap answering for them).</summary>
    public int Port => _server.Port;

    public IPEndPoint LocalEndPoint => _server.LocalEndPoint;

    public PortmapMode PortmapMode { get; private set; } = PortmapMode.Off;

    /// <summary>
    /// Starts listening, then sets up portmap on <see cref="NfsServerOptions.PortmapPort"/>. Throws
    /// <see cref="SocketException"/> when the NFS port is taken; a portmap port that is taken or not allowed only
    /// leaves <see cref="PortmapMode"/> at Off or RegisteredWithSystem.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        _server.Start();
        var port = (uint)Port;
        _portmap.Set(new PortmapMapping(PortmapProgram.ProgramNumber, PortmapProgram.ProgramVersion, PortmapProtocol.Tcp, port));
        _portmap.Set(new PortmapMapping(MountConstants.Program, MountConstants.Version, PortmapProtocol.Tcp, port));
        _portmap.Set(new PortmapMapping(Nfs3Constants.Program, Nfs3Constants.Version, PortmapProtocol.Tcp, port));
        NfsServerLog.Listening(_logger, LocalEndPoint, Datastore.ExportPath);
        if (_options.PortmapPort != 0)
        {
            await StartPortmapAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public DatastorePublication Publish(
        string name, IReadOnlyList<DatastoreFile> files, IReadOnlyList<IDatastoreDisk> disks, string cacheFolder, bool readOnly = false, IReadOnlyList<IPAddress>? clients = null) =>
        Datastore.Publish(name, files, disks, cacheFolder, readOnly, clients);

    /// <summary>The addresses served besides <see cref="LocalEndPoint"/>'s.</summary>
    public IReadOnlyCollection<IPAddress> OtherAddresses
    {
        get
        {
            lock (_otherAddresses)
            {
                return [.. _otherAddresses.Keys];
            }
        }
    }

    /// <summary>
    /// Also serves MOUNT and NFS at <paramref name="address"/> (an address of this machine) on <see cref="Port"/>, and
    /// portmap on its port when this server runs it: for clients that reach this machine there. Nothing happens when
    /// the address is already served. Throws <see cref="SocketException"/> when a port there cannot be had.
    /// </summary>
    public async Task ListenAlsoAsync(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        lock (_otherAddresses)
        {
            if (_otherAddresses.ContainsKey(address) || LocalEndPoint.Address.Equals(address)
                || LocalEndPoint.Address.Equals(IPAddress.Any) || LocalEndPoint.Address.Equals(IPAddress.IPv6Any))
            {
                return;
            }
        }

        var listener = await NfsAddressListener.StartAsync(
            _programs, _portmap, new IPEndPoint(address, Port), PortmapMode == PortmapMode.Served ? _options.PortmapPort : 0, _loggerFactory).ConfigureAwait(false);
        lock (_otherAddresses)
        {
            if (_otherAddresses.TryAdd(address, listener))
            {
                NfsServerLog.ListeningAlso(_logger, listener.EndPoint);
                return;
            }
        }

        await listener.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Stops serving at an address <see cref="ListenAlsoAsync"/> added (calls in flight finish).</summary>
    public async Task StopListeningAsync(IPAddress address)
    {
        NfsAddressListener? listener;
        lock (_otherAddresses)
        {
            if (!_otherAddresses.Remove(address, out listener))
            {
                return;
            }
        }

        await listener.DisposeAsync().ConfigureAwait(false);
        NfsServerLog.StoppedListening(_logger, listener.EndPoint);
    }

    public bool Unpublish(string name) => Datastore.Unpublish(name);

    /// <summary>
    /// The nfs:// URL of a file in a publication. Ports are added (libnfs's ?nfsport=N&amp;mountport=N) when asked or
    /// when no portmap can tell them; QEMU's nfs:// driver needs a URL without them and a portmap.
    /// </summary>
    public string Url(DatastorePublication publication, string fileName, bool withPorts = false)
    {
        ArgumentNullException.ThrowIfNull(publication);
        return Url(publication.Name, fileName, withPorts || PortmapMode == PortmapMode.Off);
    }

    /// <summary>
    /// The URL a file will have once <paramref name="publicationName"/> is published (for generated files that name
    /// it). Without ports it needs no listening socket, so publications can be restored before the server starts.
    /// </summary>
    public string Url(string publicationName, string fileName, bool withPorts)
    {
        ArgumentException.ThrowIfNullOrEmpty(publicationName);
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        var host = _options.AdvertisedHost ?? DefaultHost(_options.EndPoint.Address);
        var export = Datastore.ExportPath.TrimEnd('/');
        var url = $"nfs://{host}{export}/{Uri.EscapeDataString(publicationName)}/{Uri.EscapeDataString(fileName)}";
        return withPorts ? $"{url}?nfsport={Port}&mountport={Port}" : url;
    }

    /// <summary>The URL of each disk's <c>diskN.raw</c>.</summary>
    public IReadOnlyList<string> DiskUrls(DatastorePublication publication, bool withPorts = false) =>
        [.. publication.DiskFileNames.Select(name => Url(publication, name, withPorts))];

    /// <summary>Stops answering (finishing calls in flight), unregisters from a system portmapper, closes the datastore.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        if (_registeredWithSystem)
        {
            try
            {
                await using var client = await PortmapClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, _options.PortmapPort), cancellationToken).ConfigureAwait(false);
                await client.UnsetAsync(MountConstants.Program, MountConstants.Version, cancellationToken).ConfigureAwait(false);
                await client.UnsetAsync(Nfs3Constants.Program, Nfs3Constants.Version, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or SocketException or OncRpc.Client.RpcException)
            {
                NfsServerLog.PortmapUnregisterFailed(_logger, ex, _options.PortmapPort);
            }
        }

        foreach (var address in OtherAddresses)
        {
            await StopListeningAsync(address).ConfigureAwait(false);
        }

        if (_portmapDatagramServer is not null)
        {
            await _portmapDatagramServer.StopAsync(cancellationToken).ConfigureAwait(false);
        }

        if (_portmapServer is not null)
        {
            await _portmapServer.StopAsync(cancellationToken).ConfigureAwait(false);
        }

        await _server.StopAsync(cancellationToken).ConfigureAwait(false);
        Datastore.Dispose();
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    private async Task StartPortmapAsync(CancellationToken cancellationToken)
    {
        var endPoint = new IPEndPoint(LocalEndPoint.Address, _options.PortmapPort);
        var server = new RpcServer([_portmap], new RpcServerOptions { EndPoint = endPoint }, _loggerFactory.CreateLogger<RpcServer>());
        try
        {
            server.Start();
            _portmapServer = server;
            PortmapMode = PortmapMode.Served;
            NfsServerLog.PortmapServed(_logger, _options.PortmapPort);
            await StartPortmapOverUdpAsync(endPoint).ConfigureAwait(false);
            return;
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }
        catch (SocketException ex)
        {
            await server.DisposeAsync().ConfigureAwait(false);
            NfsServerLog.PortmapUnavailable(_logger, _options.PortmapPort, ex.SocketErrorCode.ToString(), Port);
            return;
        }

        // Someone owns the port: if it is a portmapper, register with it.
        try
        {
            await using var client = await PortmapClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, _options.PortmapPort), cancellationToken).ConfigureAwait(false);
            var port = (uint)Port;
            await client.UnsetAsync(MountConstants.Program, MountConstants.Version, cancellationToken).ConfigureAwait(false);
            await client.UnsetAsync(Nfs3Constants.Program, Nfs3Constants.Version, cancellationToken).ConfigureAwait(false);
            var mount = await client.SetAsync(new PortmapMapping(MountConstants.Program, MountConstants.Version, PortmapProtocol.Tcp, port), cancellationToken).ConfigureAwait(false);
            var nfs = await client.SetAsync(new PortmapMapping(Nfs3Constants.Program, Nfs3Constants.Version, PortmapProtocol.Tcp, port), cancellationToken).ConfigureAwait(false);
            _registeredWithSystem = true;
            if (mount && nfs)
            {
                PortmapMode = PortmapMode.RegisteredWithSystem;
                NfsServerLog.PortmapRegistered(_logger, _options.PortmapPort);
            }
            else
            {
                NfsServerLog.PortmapUnavailable(_logger, _options.PortmapPort, "the system portmapper refused the registration", Port);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OncRpc.Client.RpcException or OncRpc.Xdr.XdrException)
        {
            NfsServerLog.PortmapUnavailable(_logger, _options.PortmapPort, "the port is taken by something that does not answer portmap", Port);
        }
    }

    /// <summary>
    /// Serves portmap over UDP next to TCP, where <c>rpcinfo -p</c> asks. Only portmap itself is offered there: GETPORT
    /// for MOUNT or NFS over UDP answers 0. A UDP port that cannot be had leaves portmap over TCP serving.
    /// </summary>
    private async Task StartPortmapOverUdpAsync(IPEndPoint endPoint)
    {
        var server = new RpcDatagramServer([_portmap], new RpcDatagramServerOptions { EndPoint = endPoint }, _loggerFactory.CreateLogger<RpcDatagramServer>());
        try
        {
            server.Start();
        }
        catch (SocketException ex)
        {
            await server.DisposeAsync().ConfigureAwait(false);
            NfsServerLog.PortmapUdpUnavailable(_logger, _options.PortmapPort, ex.SocketErrorCode.ToString());
            return;
        }

        _portmapDatagramServer = server;
        _portmap.Set(new PortmapMapping(PortmapProgram.ProgramNumber, PortmapProgram.ProgramVersion, PortmapProtocol.Udp, (uint)_options.PortmapPort));
    }

    private static string DefaultHost(IPAddress address)
    {
        if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
        {
            return "127.0.0.1";
        }

        return address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
    }
}
