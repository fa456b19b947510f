using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Lifeboat.Nbd.Server;

/// <summary>The server side of the TLS handshake after NBD_OPT_STARTTLS, built once per server from its <see cref="NbdTlsOptions"/>.</summary>
internal sealed class NbdTlsAuthenticator
{
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2");

    private readonly SslServerAuthenticationOptions _options;

    public NbdTlsAuthenticator(NbdTlsOptions tls)
    {
        var authorities = tls.ClientCertificateAuthorities;
        _options = new SslServerAuthenticationOptions
        {
            // The CA names go out in the certificate request, so a client holding several certificates picks the right one.
            ServerCertificateContext = SslStreamCertificateContext.Create(
                tls.Certificate,
                tls.Intermediates,
                offline: true,
                trust: authorities is null ? null : SslCertificateTrust.CreateForX509Collection(authorities, sendTrustInHandshake: true)),
            ClientCertificateRequired = authorities is not null,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            RemoteCertificateValidationCallback = authorities is null ? null : (_, certificate, _, _) => ChainsTo(certificate, authorities),
        };
    }

    /// <exception cref="AuthenticationException">The TLS handshake failed, or the client's certificate was refused.</exception>
    public async Task<SslStream> AuthenticateAsync(Stream inner, CancellationToken cancellationToken)
    {
        var stream = new SslStream(inner, leaveInnerStreamOpen: false);
        try
        {
            await stream.AuthenticateAsServerAsync(_options, cancellationToken).ConfigureAwait(false);
            return stream;
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Whether the client's certificate chains to one of the configured authorities (and not to the system's roots).</summary>
    private static bool ChainsTo(X509Certificate? certificate, X509Certificate2Collection authorities)
    {
        if (certificate is null)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(ClientAuthentication);
        if (certificate is X509Certificate2 certificate2)
        {
            return chain.Build(certificate2);
        }

        using var copy = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(copy);
    }
}
