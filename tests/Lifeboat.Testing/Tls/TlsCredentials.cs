using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Lifeboat.Testing.Tls;

/// <summary>
/// A CA, a server certificate for 127.0.0.1 and a client certificate made for one test, written as PEM files in the
/// layout QEMU's tls-creds-x509 and libnbd's tls-certificates take: ca-cert.pem, client-cert.pem, client-key.pem
/// (and server-cert.pem, server-key.pem for the server).
/// </summary>
public sealed class TlsCredentials
{
    private TlsCredentials(string directory, X509Certificate2 ca, X509Certificate2 server, X509Certificate2 client)
    {
        Directory = directory;
        Ca = ca;
        Server = server;
        Client = client;
    }

    /// <summary>The folder with the PEM files.</summary>
    public string Directory { get; }

    public X509Certificate2 Ca { get; }

    public X509Certificate2 Server { get; }

    public X509Certificate2 Client { get; }

    public string CaPath => Path.Combine(Directory, "ca-cert.pem");

    public string ServerCertificatePath => Path.Combine(Directory, "server-cert.pem");

    public string ServerKeyPath => Path.Combine(Directory, "server-key.pem");

    public static TlsCredentials Create(string directory, string name = "Test")
    {
        System.IO.Directory.CreateDirectory(directory);
        var notBefore = DateTimeOffset.UtcNow.AddDays(-1);
        var notAfter = DateTimeOffset.UtcNow.AddDays(2);

        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest($"CN={name} CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        var ca = caRequest.CreateSelfSigned(notBefore, notAfter);

        var server = Issue(ca, "CN=127.0.0.1", "1.3.6.1.5.5.7.3.1", notBefore, notAfter, 2, serverName: true);
        var client = Issue(ca, $"CN={name} client", "1.3.6.1.5.5.7.3.2", notBefore, notAfter, 3, serverName: false);

        File.WriteAllText(Path.Combine(directory, "ca-cert.pem"), ca.ExportCertificatePem());
        WritePair(directory, "server", server);
        WritePair(directory, "client", client);
        return new TlsCredentials(directory, ca, server, client);
    }

    /// <summary>A folder with only this CA's certificate: a client that checks the server but has no certificate of its own.</summary>
    public string CaOnlyDirectory(string directory)
    {
        System.IO.Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "ca-cert.pem"), Ca.ExportCertificatePem());
        return directory;
    }

    private static X509Certificate2 Issue(X509Certificate2 ca, string subject, string purpose, DateTimeOffset notBefore, DateTimeOffset notAfter, byte serial, bool serverName)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        // Not critical: QEMU refuses a critical key usage without key encipherment, which an ECDSA key has no use for.
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(purpose)], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        if (serverName)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            names.AddDnsName("localhost");
            request.CertificateExtensions.Add(names.Build());
        }

        using var issued = request.Create(ca, notBefore, notAfter, [serial, (byte)Random.Shared.Next(256)]);
        return issued.CopyWithPrivateKey(key);
    }

    private static void WritePair(string directory, string role, X509Certificate2 certificate)
    {
        File.WriteAllText(Path.Combine(directory, $"{role}-cert.pem"), certificate.ExportCertificatePem());
        var keyPath = Path.Combine(directory, $"{role}-key.pem");
        File.WriteAllText(keyPath, certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
    }
}
