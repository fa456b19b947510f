namespace Lifeboat.Server.Notifications.Smtp;

/// <summary>An SMTP submission server and how to reach it.</summary>
/// <param name="TrustedFingerprint">Accept the relay's certificate by its SHA-256 fingerprint (a self-signed relay).</param>
/// <param name="CaFile">Accept a certificate that chains to the CA in this PEM file (and names the host).</param>
/// <param name="Timeout">The whole submission, connection included, ends by then.</param>
public sealed record SmtpRelay(
    string Host,
    int Port,
    SmtpSecurity Security,
    string? User = null,
    string? Password = null,
    string? TrustedFingerprint = null,
    string? CaFile = null,
    TimeSpan? Timeout = null)
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    public string Endpoint => $"{Host}:{Port}";

    public override string ToString() => Endpoint;
}
