using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Lifeboat.Server.Hosting;

namespace Lifeboat.Server.Security;

/// <summary>
/// The certificate for HTTPS: the one the user gave (--certificate and --certificate-key, PEM), or else one the
/// server made on the first start that needed it, kept in the data folder (key 0600) so its fingerprint stays the same.
/// </summary>
public static class ServerCertificate
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromDays(3650);

    /// <exception cref="InvalidOperationException">The given files are not a PEM certificate and its key.</exception>
    public static X509Certificate2 Load(ServerOptions options, DataFolder data)
    {
        if (options.CertificatePath is { } certificate)
            return FromPem(certificate, options.CertificateKeyPath!);
        if (!File.Exists(data.Certificate) || !File.Exists(data.CertificateKey))
            Create(data, options.Listen.Address);
        return FromPem(data.Certificate, data.CertificateKey);
    }

    private static X509Certificate2 FromPem(string certificate, string key)
    {
        try
        {
            return X509Certificate2.CreateFromPemFile(certificate, key);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new InvalidOperationException(
                $"The certificate {certificate} with key {key} cannot be loaded ({e.Message}); give a PEM certificate and its unencrypted PEM private key.", e);
        }
    }

    private static void Create(DataFolder data, IPAddress listen)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN=Lifeboat server {Environment.MachineName}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddDnsName(Environment.MachineName);
        names.AddIpAddress(IPAddress.Loopback);
        if (!listen.Equals(IPAddress.Any) && !listen.Equals(IPAddress.IPv6Any))
            names.AddIpAddress(listen);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now + Lifetime);
        OwnerOnlyFile.CreateFolder(Path.GetDirectoryName(data.Certificate)!);
        OwnerOnlyFile.Write(data.CertificateKey, key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(data.Certificate, certificate.ExportCertificatePem());
    }
}
