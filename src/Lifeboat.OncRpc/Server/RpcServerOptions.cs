using System.Net;
using Lifeboat.OncRpc.RecordMarking;

namespace Lifeboat.OncRpc.Server;

/// <summary>Where an <see cref="RpcServer"/> listens and the limits that bound its memory.</summary>
public sealed class RpcServerOptions
{
    /// <summary>
    /// An <see cref="IPEndPoint"/> to listen on (port 0 picks a free port, see <see cref="RpcServer.LocalEndPoint"/>), or a
    /// <see cref="System.Net.Sockets.UnixDomainSocketEndPoint"/>: RPC over the stream socket with record marking as over TCP,
    /// each peer known by its credentials. The socket file is created with the process's umask and deleted at stop.
    /// </summary>
    public EndPoint EndPoint { get; set; } = new IPEndPoint(IPAddress.Loopback, 0);

    /// <summary>Connections beyond this many are closed as soon as they are accepted.</summary>
    public int MaxConnections { get; set; } = 256;

    /// <summary>Calls of one connection dispatched and not yet answered; the connection stops reading beyond it.</summary>
    public int MaxCallsInFlightPerConnection { get; set; } = 64;

    /// <summary>Bytes of calls of one connection dispatched and not yet answered; the connection stops reading beyond it.</summary>
    public long MaxBytesInFlightPerConnection { get; set; } = 128L << 20;

    /// <summary>The largest call accepted; a larger one closes the connection.</summary>
    public int MaxRecordSize { get; set; } = RecordMarkingReader.DefaultMaxRecordSize;

    public int MaxFragmentsPerRecord { get; set; } = RecordMarkingReader.DefaultMaxFragmentsPerRecord;

    /// <summary>Bytes the server asks for per socket read.</summary>
    public int ReceiveBufferSize { get; set; } = 64 * 1024;

    public int ListenBacklog { get; set; } = 128;

    /// <summary>
    /// Each connection's read loop on a thread of its own, waiting in poll(2) for the next call: a call then wakes one
    /// thread instead of the runtime's event thread and a thread-pool worker: a warm READ costs the server 0.6-0.7x
    /// the CPU, and a depth-1 client reads 1.2x as fast on an idle machine and 7x under load (bench/nfs-peers/README.md).
    /// </summary>
    public bool ThreadPerConnection { get; set; } = true;

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(EndPoint);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxConnections);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxCallsInFlightPerConnection);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxBytesInFlightPerConnection);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxRecordSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxFragmentsPerRecord);
        ArgumentOutOfRangeException.ThrowIfLessThan(ReceiveBufferSize, 4096);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ListenBacklog);
    }
}
