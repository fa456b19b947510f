using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Lifeboat.Server.Contracts.Security;
using Lifeboat.Server.Tests.Support;

namespace Lifeboat.Server.Tests.Notifications;

/// <summary>A self-signed certificate for 127.0.0.1 and localhost, as PEM files a test relay serves.</summary>
public sealed class TestCertificate : IDisposable
{
    private readonly TestFolder _folder = new();

    public TestCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
        CertificatePath = _folder.Combine("relay.pem");
        KeyPath = _folder.Combine("relay-key.pem");
        File.WriteAllText(CertificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(KeyPath, key.ExportPkcs8PrivateKeyPem());
        Fingerprint = CertificateFingerprint.Of(certificate);
    }

    public string CertificatePath { get; }

    public string KeyPath { get; }

    public string Fingerprint { get; }

    public void Dispose() => _folder.Dispose();
}
