using Lifeboat.Testing.Processes;

namespace Lifeboat.Testing.Hosts;

/// <summary>
/// A test CA (valid two days) and what it signs for a test host: libvirtd's server certificate for the host's address,
/// a client certificate, each copied under the names libvirt's client, QEMU's TLS server and NBD clients want.
/// </summary>
internal static class LibvirtTestHostCertificates
{
    private const string Leaf = "organization = \"Lifeboat tests\"\nencryption_key\nsigning_key\nexpiration_days = 2";

    public static async Task MakeAsync(LibvirtTestHost host)
    {
        string ca = host.Combine("ca"), server = host.ServerPkiFolder;
        Array.ForEach([ca, server, host.PkiFolder, host.QemuTlsFolder, host.NbdClientCertificatesFolder], folder => Directory.CreateDirectory(folder));
        string caKey = Path.Combine(ca, "cakey.pem"), caCert = Path.Combine(server, "cacert.pem");
        await CertificateAsync(caKey, caCert, null, "cn = \"Lifeboat test CA\"\nca\ncert_signing_key\nexpiration_days = 2");
        await CertificateAsync(Path.Combine(server, "serverkey.pem"), Path.Combine(server, "servercert.pem"), (caKey, caCert),
            $"{Leaf}\ncn = \"{host.HostAddress}\"\nip_address = \"{host.HostAddress}\"\ntls_www_server");
        await CertificateAsync(Path.Combine(host.PkiFolder, "clientkey.pem"), Path.Combine(host.PkiFolder, "clientcert.pem"), (caKey, caCert),
            $"{Leaf}\ncn = \"lifeboat-test-client\"\ntls_www_client");

        // The same files under the names libvirt's client, QEMU's server and NBD clients (QEMU, nbdinfo) want.
        foreach (var (source, target) in new[]
        {
            (caCert, host.CaCertificatePath), (caCert, Path.Combine(host.QemuTlsFolder, "ca-cert.pem")), (caCert, Path.Combine(host.NbdClientCertificatesFolder, "ca-cert.pem")),
            (Path.Combine(server, "servercert.pem"), Path.Combine(host.QemuTlsFolder, "server-cert.pem")),
            (Path.Combine(server, "serverkey.pem"), Path.Combine(host.QemuTlsFolder, "server-key.pem")),
            (Path.Combine(host.PkiFolder, "clientcert.pem"), Path.Combine(host.NbdClientCertificatesFolder, "client-cert.pem")),
            (Path.Combine(host.PkiFolder, "clientkey.pem"), Path.Combine(host.NbdClientCertificatesFolder, "client-key.pem")),
        })
        {
            File.Copy(source, target, overwrite: true);
        }
    }

    private static async Task CertificateAsync(string key, string certificate, (string Key, string Certificate)? issuer, string template)
    {
        string templateFile = certificate + ".info";
        await File.WriteAllTextAsync(templateFile, template + "\n");
        await Tools.RunCheckedAsync("certtool", "--generate-privkey", "--key-type=rsa", "--bits=2048", "--outfile", key);
        string[] signing = issuer is { } ca
            ? ["--generate-certificate", "--load-ca-certificate", ca.Certificate, "--load-ca-privkey", ca.Key]
            : ["--generate-self-signed"];
        await Tools.RunCheckedAsync("certtool", [.. signing, "--load-privkey", key, "--template", templateFile, "--outfile", certificate]);
    }
}
