using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Lifeboat.Nbd.Client;

/// <summary>
/// TLS for an <see cref="NbdClient"/> (NBD_OPT_STARTTLS): the server's certificate must chain to one of
/// <see cref="Authorities"/> (never to the system's roots) and name the host connected to; a server that does not
/// offer TLS is refused, never read in the clear.
/// </summary>
public sealed class NbdClientTlsOptions
{
    public NbdClientTlsOptions(X509Certificate2Collection authorities, X509Certificate2? clientCertificate = null, string? serverName = null)
    {
        ArgumentNullException.ThrowIfNull(authorities);
        if (authorities.Count == 0)
        {
            throw new ArgumentException("The NBD client's TLS authorities are empty; give at least one CA certificate.", nameof(authorities));
        }

        if (clientCertificate is { HasPrivateKey: false })
        {
            throw new ArgumentException($"The client certificate {clientCertificate.Subject} has no private key.", nameof(clientCertificate));
        }

        Authorities = authorities;
        ClientCertificate = clientCertificate;
        ServerName = string.IsNullOrEmpty(serverName) ? null : serverName;
    }

    /// <summary>The roots the server's certificate must chain to.</summary>
    public X509Certificate2Collection Authorities { get; }

    /// <summary>Presented when the server asks for one; null presents none.</summary>
    public X509Certificate2? ClientCertificate { get; }

    /// <summary>The name the server's certificate must hold; null takes the host of the end point connected to.</summary>
    public string? ServerName { get; }

    /// <summary>Reads a PEM file of CA certificates and, optionally, a PEM client certificate and its PEM private key.</summary>
    /// <exception cref="ArgumentException">A file is missing or holds no usable certificate or key; the message names it.</exception>
    public static NbdClientTlsOptions FromPemFiles(string caPath, string? clientCertificatePath = null, string? clientKeyPath = null, string? serverName = null)
    {
        ArgumentNullException.ThrowIfNull(caPath);
        if ((clientCertificatePath is null) != (clientKeyPath is null))
        {
            throw new ArgumentException("A client certificate needs its private key and a key its certificate; give both files or neither.");
        }

        var authorities = new X509Certificate2Collection();
        try
        {
            authorities.ImportFromPemFile(caPath);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"The CA file {caPath} could not be read as PEM ({ex.Message.TrimEnd('.')}); give the PEM certificate of the CA that signed the NBD server's certificate.", ex);
        }

        if (authorities.Count == 0)
        {
            throw new ArgumentException($"The CA file {caPath} holds no certificate; give the PEM certificate of the CA that signed the NBD server's certificate.");
        }

        X509Certificate2? client = null;
        if (clientCertificatePath is not null)
        {
            try
            {
                client = X509Certificate2.CreateFromPemFile(clientCertificatePath, clientKeyPath);
            }
            catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
            {
                throw new ArgumentException($"The client certificate {clientCertificatePath} and key {clientKeyPath} could not be loaded ({ex.Message.TrimEnd('.')}); give a PEM certificate and its PEM private key.", ex);
            }
        }

        return new NbdClientTlsOptions(authorities, client, serverName);
    }
}
