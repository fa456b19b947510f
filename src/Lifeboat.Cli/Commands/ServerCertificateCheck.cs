using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Lifeboat.Server.Contracts.Security;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// Accepts the server's HTTPS certificate when this machine trusts it, or when its SHA-256 fingerprint is the one in
/// LIFEBOAT_SERVER_FINGERPRINT (the server prints it at every start). A refusal keeps the sentence the CLI then shows.
/// </summary>
internal sealed class ServerCertificateCheck(string? expectedFingerprint)
{
    public string? Refusal { get; private set; }

    public bool Validate(X509Certificate2? certificate, SslPolicyErrors errors)
    {
        if (certificate is null)
        {
            Refusal = "presented no certificate.";
            return false;
        }

        var fingerprint = CertificateFingerprint.Of(certificate);
        if (expectedFingerprint is { Length: > 0 } expected)
        {
            if (CertificateFingerprint.Matches(certificate, expected))
                return true;
            Refusal = $"presents a certificate with SHA-256 fingerprint {fingerprint}, not the {CertificateFingerprint.Variable} given ({expected}); "
                + "if the server's start printed this new fingerprint, set the variable to it, else someone may be in between.";
            return false;
        }

        if (errors == SslPolicyErrors.None)
            return true;
        Refusal = $"presents a certificate this machine does not trust (SHA-256 fingerprint {fingerprint}); "
            + $"if the server printed that fingerprint at its start, set {CertificateFingerprint.Variable}={fingerprint}.";
        return false;
    }
}
