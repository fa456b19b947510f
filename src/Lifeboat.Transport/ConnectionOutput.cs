namespace Lifeboat.Transport;

/// <summary>Where a connection's bytes go: a socket, a TLS stream over it, or an in-memory pipe.</summary>
public abstract class ConnectionOutput
{
    public abstract ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default);

    /// <summary>Sends the segments, <paramref name="total"/> bytes, in order.</summary>
    public abstract ValueTask SendAsync(IList<ArraySegment<byte>> segments, long total);
}
