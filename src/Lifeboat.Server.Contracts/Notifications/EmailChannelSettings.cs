namespace Lifeboat.Server.Contracts.Notifications;

/// <summary>How a channel's email is submitted: an SMTP relay (RFC 6409 submission) and who it goes to.</summary>
/// <param name="Security"><see cref="SmtpSecurityModes"/>: none, STARTTLS (587) or implicit TLS (465).</param>
/// <param name="Password">
/// Write-only: given to set it, null to keep the one set (or none). A channel's view says <c>"set"</c> instead of it.
/// It is sent only over TLS.
/// </param>
/// <param name="TrustedFingerprint">A relay's self-signed certificate accepted by its SHA-256 fingerprint (AB:CD:…).</param>
/// <param name="CaFile">A PEM file of the CA that signs the relay's certificate, on the server's machine.</param>
public sealed record EmailChannelSettings(
    string Host,
    int Port,
    string Security,
    string From,
    List<string> To,
    string? User = null,
    string? Password = null,
    string? TrustedFingerprint = null,
    string? CaFile = null);

public static class SmtpSecurityModes
{
    public const string None = "none";
    public const string StartTls = "starttls";
    public const string Tls = "tls";

    public static IReadOnlyList<string> All { get; } = [None, StartTls, Tls];

    public static int DefaultPort(string security) => security switch
    {
        Tls => 465,
        StartTls => 587,
        _ => 25,
    };
}
