using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Lifeboat.Nbd.Client;

/// <summary>The client side of the TLS handshake after the server accepted NBD_OPT_STARTTLS.</summary>
internal static class NbdClientTls
{
    private static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1");

    /// <summary>The name the server's certificate must hold: the configured one, else the host connected to.</summary>
    /// <exception cref="ArgumentException">A unix socket has no host name and none was configured.</exception>
    public static string ServerName(NbdClientTlsOptions tls, EndPoint endPoint) => tls.ServerName ?? endPoint switch
    {
        IPEndPoint ip => ip.Address.ToString(),
        DnsEndPoint dns => dns.Host,
        _ => throw new ArgumentException($"TLS over {endPoint} needs the name the server's certificate holds; set {nameof(NbdClientTlsOptions.ServerName)}."),
    };

    /// <exception cref="NbdException">The TLS handshake failed or the server's certificate was refused; the message says why.</exception>
    public static async Task<SslStream> AuthenticateAsync(Stream inner, NbdClientTlsOptions tls, string serverName, string exportName, CancellationToken cancellationToken)
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
        };
        policy.CustomTrustStore.AddRange(tls.Authorities);
        policy.ApplicationPolicy.Add(ServerAuthentication);
        var refusal = SslPolicyErrors.None;
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = serverName,
            CertificateChainPolicy = policy,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            ClientCertificates = tls.ClientCertificate is null ? null : new X509CertificateCollection { tls.ClientCertificate },
            RemoteCertificateValidationCallback = (_, _, _, errors) =>
            {
                refusal = errors;
                return errors == SslPolicyErrors.None;
            },
        };
        var stream = new SslStream(inner, leaveInnerStreamOpen: true);
        try
        {
            await stream.AuthenticateAsClientAsync(options, cancellationToken).ConfigureAwait(false);
            return stream;
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException && ex is not NbdException)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw new NbdException($"The TLS handshake with the NBD server for export '{exportName}' failed: {Why(refusal, serverName, ex)}.", exportName, innerException: ex);
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static string Why(SslPolicyErrors refusal, string serverName, Exception ex)
    {
        if ((refusal & SslPolicyErrors.RemoteCertificateChainErrors) != 0)
        {
            return "its certificate does not chain to the given CA; give the CA that signed the server's certificate";
        }

        if ((refusal & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            return $"its certificate does not name {serverName}; connect by a name the certificate holds";
        }

        if ((refusal & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
        {
            return "it sent no certificate";
        }

        var inner = ex.InnerException is SocketException or IOException ? $" ({ex.InnerException.Message.TrimEnd('.')})" : "";
        return $"{ex.Message.TrimEnd('.')}{inner}; check that the server accepts this client's certificate (or asks for none)";
    }
}
