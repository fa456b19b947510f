using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Lifeboat.Server.Contracts.Security;
using Lifeboat.Server.Hosting;
using Lifeboat.Server.Tests.Support;

namespace Lifeboat.Server.Tests.Security;

/// <summary>
/// On a non-loopback address the server speaks HTTPS only. 127.0.0.2 would not do: the server (rightly) counts the
/// whole 127/8 as loopback, so these tests listen on this machine's own network address (0.0.0.0 if it has none).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class HttpsTests
{
    [Fact]
    public async Task The_generated_certificate_is_served_its_fingerprint_printed_at_every_start_and_the_CLI_accepts_it_only_by_that_fingerprint()
    {
        var address = new ServerAddress(OwnAddress(), Https: true);
        await using var secure = await SecureServer.StartAsync(address);
        var server = secure.Server;
        var data = new DataFolder(server.DataDirectory);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(data.CertificateKey));
        var fingerprint = CertificateFingerprint.Of(X509Certificate2.CreateFromPem(File.ReadAllText(data.Certificate)));
        Assert.Equal(HttpStatusCode.OK, (await server.Http.GetAsync("api/server")).StatusCode);

        using (var plain = new HttpClient { BaseAddress = new Uri($"http://{address.Host}:{server.Port}/"), Timeout = TimeSpan.FromSeconds(10) })
            await Assert.ThrowsAsync<HttpRequestException>(() => plain.GetAsync("health"));

        await server.KillAsync();
        await server.StartAgainAsync();
        Assert.Equal(2, CountOf(server.ReadLog(), $"certificate SHA-256 fingerprint {fingerprint}"));

        var https = $"https://{address.Host}:{server.Port}";
        var environment = new Dictionary<string, string> { ["LIFEBOAT_SERVER"] = https, [ApiTokenFile.TokenVariable] = server.Token };
        var untrusted = LifeboatProcess.Run(environment, "sessions");
        Assert.NotEqual(0, untrusted.ExitCode);
        Assert.Contains($"does not trust (SHA-256 fingerprint {fingerprint})", untrusted.Stderr + untrusted.Stdout, StringComparison.Ordinal);

        environment[CertificateFingerprint.Variable] = new string('0', 64);
        var wrong = LifeboatProcess.Run(environment, "sessions");
        Assert.NotEqual(0, wrong.ExitCode);
        Assert.Contains($"not the {CertificateFingerprint.Variable} given", wrong.Stderr + wrong.Stdout, StringComparison.Ordinal);

        environment[CertificateFingerprint.Variable] = fingerprint.Replace(":", "", StringComparison.Ordinal).ToLowerInvariant();
        LifeboatProcess.Run(environment, "sessions", "--json").ShouldSucceed();

        // http:// against this HTTPS server: one line that says to use https://.
        var plainCli = LifeboatProcess.Run(new Dictionary<string, string>(environment) { ["LIFEBOAT_SERVER"] = $"http://{address.Host}:{server.Port}" }, "sessions");
        Assert.NotEqual(0, plainCli.ExitCode);
        Assert.Contains($"if it serves HTTPS set LIFEBOAT_SERVER={https}/", Assert.Single(plainCli.Stderr.Trim().Split('\n')), StringComparison.Ordinal);

        // Over HTTPS the session cookie is Secure.
        await secure.AddUserAsync("tls-user", LifeboatRoles.Viewer, "a password for the tls test");
        using var browser = secure.Browser();
        using var login = await browser.LogInAsync("tls-user", "a password for the tls test");
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Contains("secure", Assert.Single(login.Headers.GetValues("Set-Cookie"), c => c.StartsWith("lifeboat.session=", StringComparison.Ordinal)),
            StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_given_certificate_is_served_instead_of_a_generated_one()
    {
        using var folder = new TestFolder();
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=lifeboat.test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var given = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var certificatePath = folder.Combine("given.pem");
        var keyPath = folder.Combine("given-key.pem");
        File.WriteAllText(certificatePath, given.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        var fingerprint = CertificateFingerprint.Of(given);

        await using var secure = await SecureServer.StartAsync(new ServerAddress(OwnAddress(), Https: true, TrustedFingerprint: fingerprint),
            "--certificate", certificatePath, "--certificate-key", keyPath);
        Assert.Equal(HttpStatusCode.OK, (await secure.Server.Http.GetAsync("api/server")).StatusCode);
        await secure.Server.WaitForLogAsync($"certificate SHA-256 fingerprint {fingerprint}", TimeSpan.FromSeconds(30));
        Assert.False(File.Exists(new DataFolder(secure.Server.DataDirectory).Certificate));
    }

    [Theory]
    [InlineData("--listen", "127.0.0.1:8707", "--certificate", "c.pem", "--certificate-key", "k.pem")]
    [InlineData("--listen", "0.0.0.0:8707", "--certificate", "c.pem")]
    [InlineData("--listen", "0.0.0.0:8707", "--certificate-key", "k.pem")]
    public void A_certificate_without_its_key_or_on_loopback_is_refused_with_a_sentence(params string[] arguments)
    {
        var error = Assert.Throws<ArgumentException>(() => ServerArguments.Parse(arguments));
        Assert.Contains("--certificate", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1:8707", false)]
    [InlineData("127.0.0.2:8707", false)]
    [InlineData("[::1]:8707", false)]
    [InlineData("0.0.0.0:8707", true)]
    [InlineData("192.0.2.10:8707", true)]
    public void Only_a_loopback_address_serves_plain_http(string listen, bool https) =>
        Assert.Equal(https, ServerArguments.Parse(["--listen", listen]).Https);

    private static int CountOf(string text, string part)
    {
        var count = 0;
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal))
            count++;
        return count;
    }

    private static string OwnAddress() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))?.ToString()
        ?? "0.0.0.0";
}
