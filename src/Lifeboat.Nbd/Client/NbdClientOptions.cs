namespace Lifeboat.Nbd.Client;

public sealed class NbdClientOptions
{
    /// <summary>Metadata contexts to select, e.g. <c>base:allocation</c> or <c>qemu:dirty-bitmap:NAME</c>.</summary>
    public IReadOnlyList<string> MetaContexts { get; init; } = [];

    /// <summary>Requests sent and not yet answered; further calls wait for a reply.</summary>
    public int MaxInFlight { get; init; } = 16;

    /// <summary>The largest READ or WRITE sent; larger calls are split. The server's advertised maximum lowers it.</summary>
    public int MaxRequestLength { get; init; } = 4 * 1024 * 1024;

    /// <summary>Bounds the handshake, so a silent server cannot hold a connect forever.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>TLS through NBD_OPT_STARTTLS, required once set; null connects in the clear.</summary>
    public NbdClientTlsOptions? Tls { get; init; }

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(MetaContexts);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxInFlight);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRequestLength, 4096);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxRequestLength, Protocol.NbdLimits.MaxPayload);
        foreach (var context in MetaContexts)
        {
            if (string.IsNullOrEmpty(context) || System.Text.Encoding.UTF8.GetByteCount(context) > Protocol.NbdLimits.MaxStringLength)
            {
                throw new ArgumentException($"A metadata context name must be 1 to {Protocol.NbdLimits.MaxStringLength} bytes.", nameof(MetaContexts));
            }
        }
    }
}
