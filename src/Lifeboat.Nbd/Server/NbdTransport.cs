namespace Lifeboat.Nbd.Server;

/// <summary>Where a connection's bytes go: the socket itself, or a TLS stream over it after NBD_OPT_STARTTLS.</summary>
internal abstract class NbdTransport
{
    public abstract ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default);

    /// <summary>Sends the segments, <paramref name="total"/> bytes, in order.</summary>
    public abstract ValueTask SendAsync(List<ArraySegment<byte>> segments, long total);
}
