using System.Net;
using Lifeboat.Nbd.Protocol;

namespace Lifeboat.Nbd.Server;

/// <summary>Where an <see cref="NbdServer"/> listens and the limits that bound its memory.</summary>
public sealed class NbdServerOptions
{
    public const int DefaultPort = 10809;

    /// <summary>An <see cref="IPEndPoint"/> (port 0 picks one) or a <see cref="System.Net.Sockets.UnixDomainSocketEndPoint"/>.</summary>
    public EndPoint EndPoint { get; set; } = new IPEndPoint(IPAddress.Loopback, 0);

    /// <summary>
    /// Decides once per connection, from its accepted socket (address, or the kernel's word on who owns the peer),
    /// whether the client may open an export; null admits everyone. A refused client still gets the greeting, then
    /// NBD_REP_ERR_POLICY to every option that would list or open an export, and no export's name or size.
    /// </summary>
    public Func<System.Net.Sockets.Socket, bool>? AcceptClient { get; set; }

    /// <summary>
    /// Set: forced TLS. A client must send NBD_OPT_STARTTLS before any other option (the others get
    /// NBD_REP_ERR_TLS_REQD), and the rest of the handshake and all transmission go over TLS. Null: plain NBD only.
    /// </summary>
    public NbdTlsOptions? Tls { get; set; }

    /// <summary>Connections beyond this many are closed as soon as they are accepted.</summary>
    public int MaxConnections { get; set; } = 256;

    /// <summary>Requests of one connection read and not yet answered; the connection stops reading beyond it.</summary>
    public int MaxRequestsInFlightPerConnection { get; set; } = 64;

    /// <summary>Bytes of READ and WRITE payloads in flight per connection; one larger request still runs alone.</summary>
    public int MaxBytesInFlightPerConnection { get; set; } = 64 * 1024 * 1024;

    /// <summary>The largest READ or WRITE accepted (the protocol's 32 MiB by default, advertised as the maximum payload).</summary>
    public int MaxPayload { get; set; } = NbdLimits.MaxPayload;

    /// <summary>The most extents one block status reply carries.</summary>
    public int MaxExtentsPerReply { get; set; } = 64 * 1024;

    /// <summary>A client that has not entered transmission by then is disconnected.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Options one connection may send before it must choose an export.</summary>
    public int MaxOptionsPerConnection { get; set; } = 1024;

    public int ReceiveBufferSize { get; set; } = 256 * 1024;

    public int ListenBacklog { get; set; } = 128;

    /// <summary>
    /// Each connection's read loop on a thread of its own, waiting in poll(2) for the next request: a warm request is
    /// then parsed, served and answered on that thread instead of waking the runtime's event thread and a thread-pool
    /// worker. After NBD_OPT_STARTTLS reads go through TLS and wait as before. Off by default: with the transport's short
    /// look for the next request it reads 4 KiB at 1.05x (depth 1) and 1.19x (depth 16) of the thread pool's path on an
    /// idle machine, but 1 MiB sequential reads at 0.80x (a large reply's send still ends on a pool worker; bench/nbd-peers/README.md).
    /// </summary>
    public bool ThreadPerConnection { get; set; }

    /// <summary>A copy of these options listening at <paramref name="endPoint"/>: another listener of the same exports.</summary>
    public NbdServerOptions At(EndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        var copy = (NbdServerOptions)MemberwiseClone();
        copy.EndPoint = endPoint;
        return copy;
    }

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(EndPoint);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxConnections);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxRequestsInFlightPerConnection);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPayload, 4096);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxPayload, NbdLimits.MaxPayload);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBytesInFlightPerConnection, MaxPayload);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxExtentsPerReply);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxExtentsPerReply, NbdLimits.MaxExtentsPerChunk);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxOptionsPerConnection);
        ArgumentOutOfRangeException.ThrowIfLessThan(ReceiveBufferSize, 4096);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ListenBacklog);
    }
}
