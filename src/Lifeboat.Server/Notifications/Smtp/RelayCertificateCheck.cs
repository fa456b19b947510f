using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Lifeboat.Server.Contracts.Security;

namespace Lifeboat.Server.Notifications.Smtp;

/// <summary>
/// Accepts a relay's certificate when this machine trusts it, when its SHA-256 fingerprint is the one the channel
/// gives, or when it chains to the channel's CA file and names the host. A refusal keeps the sentence to report.
/// </summary>
internal sealed class RelayCertificateCheck(SmtpRelay relay)
{
    public string? Refusal { get; private set; }

    public bool Validate(X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (certificate is null)
        {
            Refusal = $"The SMTP relay {relay} presented no certificate.";
            return false;
        }

        var fingerprint = CertificateFingerprint.Of(certificate);
        if (relay.TrustedFingerprint is { Length: > 0 } expected)
        {
            if (CertificateFingerprint.Matches(certificate, expected))
                return true;
            Refusal = $"The SMTP relay {relay} presents a certificate with SHA-256 fingerprint {fingerprint}, not the one the channel trusts ({expected}); "
                + "if the relay's certificate changed, set its new fingerprint in the channel, else someone may be in between.";
            return false;
        }

        if (relay.CaFile is { Length: > 0 } caFile)
            return ChainsToCaFile(certificate, errors, caFile, fingerprint);
        if (errors == SslPolicyErrors.None)
            return true;
        Refusal = $"The SMTP relay {relay} presents a certificate this server does not trust ({Describe(errors)}, SHA-256 fingerprint {fingerprint}); "
            + "give the channel the relay's CA file or that fingerprint.";
        return false;
    }

    private bool ChainsToCaFile(X509Certificate certificate, SslPolicyErrors errors, string caFile, string fingerprint)
    {
        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            Refusal = $"The SMTP relay {relay} presents a certificate for another name (SHA-256 fingerprint {fingerprint}); use the host name its certificate names.";
            return false;
        }

        X509Certificate2Collection authorities = [];
        try
        {
            authorities.ImportFromPemFile(caFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            Refusal = $"The CA file {caFile} cannot be read ({e.Message.TrimEnd('.')}); give a PEM file the server can read.";
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(authorities);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var presented = new X509Certificate2(certificate);
        if (custom.Build(presented))
            return true;
        Refusal = $"The SMTP relay {relay} presents a certificate that the CA in {caFile} did not sign (SHA-256 fingerprint {fingerprint}); give the CA file that signed it.";
        return false;
    }

    private static string Describe(SslPolicyErrors errors) =>
        (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0 ? "it names another host" : "no CA this machine trusts signed it";
}
