using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Lifeboat.Nbd.Server;

/// <summary>
/// Forced TLS for an <see cref="NbdServer"/>: X.509 only, since .NET's SslStream has no TLS-PSK. With a client
/// certificate authority, a client must present a certificate that chains to it or the TLS handshake fails.
/// </summary>
public sealed class NbdTlsOptions
{
    public NbdTlsOptions(X509Certificate2 certificate, X509Certificate2Collection? intermediates = null, X509Certificate2Collection? clientCertificateAuthorities = null)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        if (!certificate.HasPrivateKey)
        {
            throw new ArgumentException($"The server certificate {certificate.Subject} has no private key.", nameof(certificate));
        }

        Certificate = certificate;
        Intermediates = intermediates ?? [];
        ClientCertificateAuthorities = clientCertificateAuthorities is { Count: > 0 } ? clientCertificateAuthorities : null;
    }

    /// <summary>The server's certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>Certificates sent after the server's to complete its chain.</summary>
    public X509Certificate2Collection Intermediates { get; }

    /// <summary>When set, the roots a client certificate must chain to; null accepts clients without certificates.</summary>
    public X509Certificate2Collection? ClientCertificateAuthorities { get; }

    /// <summary>
    /// Reads a PEM certificate file (the server's certificate first, any intermediates after it), its PEM private
    /// key, and optionally a PEM file of client certificate authorities.
    /// </summary>
    /// <exception cref="ArgumentException">A file is missing or holds no usable certificate or key; the message names it.</exception>
    public static NbdTlsOptions FromPemFiles(string certificatePath, string keyPath, string? clientCaPath = null)
    {
        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"The certificate {certificatePath} and key {keyPath} could not be loaded ({ex.Message.TrimEnd('.')}); give a PEM certificate and its PEM private key.", ex);
        }

        var chain = Load(certificatePath, "certificate");
        var intermediates = new X509Certificate2Collection();
        for (var i = 1; i < chain.Count; i++)
        {
            intermediates.Add(chain[i]);
        }

        X509Certificate2Collection? authorities = null;
        if (clientCaPath is not null)
        {
            authorities = Load(clientCaPath, "client CA");
            if (authorities.Count == 0)
            {
                throw new ArgumentException($"The client CA file {clientCaPath} holds no certificate; give a PEM file with at least one CA certificate.");
            }
        }

        return new NbdTlsOptions(certificate, intermediates, authorities);
    }

    private static X509Certificate2Collection Load(string path, string what)
    {
        try
        {
            var collection = new X509Certificate2Collection();
            collection.ImportFromPemFile(path);
            return collection;
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"The {what} file {path} could not be read as PEM ({ex.Message.TrimEnd('.')}); give a PEM certificate file.", ex);
        }
    }
}
