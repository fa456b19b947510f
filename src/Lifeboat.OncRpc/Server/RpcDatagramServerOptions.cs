using System.Net;

namespace Lifeboat.OncRpc.Server;

/// <summary>Where an <see cref="RpcDatagramServer"/> listens and the limits that bound its memory.</summary>
public sealed class RpcDatagramServerOptions
{
    /// <summary>The largest UDP payload over IPv4 (65535 less the IPv4 and UDP headers).</summary>
    public const int MaxUdpPayloadIPv4 = 65_507;

    /// <summary>The largest UDP payload over IPv6 without jumbograms (65535 less the UDP header).</summary>
    public const int MaxUdpPayloadIPv6 = 65_527;

    /// <summary>The address and port to listen on; port 0 picks a free port (see <see cref="RpcDatagramServer.LocalEndPoint"/>).</summary>
    public IPEndPoint EndPoint { get; set; } = new(IPAddress.Loopback, 0);

    /// <summary>
    /// The largest call and the largest reply, in bytes. A larger call is dropped (the kernel cuts it to the receive
    /// buffer); a larger reply is not sent. Clients needing more use TCP.
    /// </summary>
    public int MaxDatagramSize { get; set; } = MaxUdpPayloadIPv4;

    /// <summary>Calls dispatched and not yet answered; beyond it the server stops reading and the kernel queues, then drops, datagrams.</summary>
    public int MaxCallsInFlight { get; set; } = 64;

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(EndPoint);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxDatagramSize, 128);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxDatagramSize, MaxUdpPayloadIPv6);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxCallsInFlight);
    }
}
