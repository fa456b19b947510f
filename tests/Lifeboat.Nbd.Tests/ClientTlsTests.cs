using System.Security.Cryptography.X509Certificates;
using Lifeboat.Nbd.Client;
using Lifeboat.Nbd.Server;

namespace Lifeboat.Nbd.Tests;

/// <summary>
/// Our client with NBD_OPT_STARTTLS: against our own server with forced TLS and client certificates, against
/// qemu-nbd with tls-creds-x509 (what libvirt's pull-mode backup exports with tls='yes'), and every way it must
/// refuse: a server of another CA, a certificate for another name, no client certificate where one is required,
/// a server without TLS, and TLS left out against a server that requires it.
/// </summary>
public sealed class ClientTlsTests
{
    private const int MiB = 1024 * 1024;

    [Fact]
    public async Task Reads_writes_and_block_status_over_tls_with_a_client_certificate_against_our_server()
    {
        using var folder = new TestFolder();
        var credentials = TlsCredentials.Create(folder.Combine("pki"));
        await using var server = StartTls(folder, credentials, requireClientCertificates: true);
        var content = new byte[4 * MiB];
        new Random(23).NextBytes(content.AsSpan(0, 3 * MiB));
        var device = new MemoryBlockDevice(content.Length);
        await device.WriteAsync(0, content, false, default);
        server.Exports.Set("disk0", device);

        var options = new NbdClientOptions { MetaContexts = ["base:allocation"], Tls = ClientTls(credentials) };
        await using (var client = await NbdClient.ConnectAsync(server.EndPoint, "disk0", options))
        {
            Assert.Equal(content.Length, client.Size);
            Assert.Equal(["base:allocation"], client.MetaContexts);
            var whole = new byte[content.Length];
            await client.ReadAsync(0, whole);
            Assert.True(whole.AsSpan().SequenceEqual(content));

            // Several requests in flight at once over the one TLS stream.
            var written = new byte[3 * MiB / 2];
            new Random(24).NextBytes(written);
            await Task.WhenAll(
                client.WriteAsync(MiB / 2, written, fua: true).AsTask(),
                client.ReadAsync(3 * MiB, whole.AsMemory(0, 64 * 1024)).AsTask());
            written.CopyTo(content, MiB / 2);
            await client.FlushAsync();
            var extents = await client.BlockStatusAsync("base:allocation", 0, client.Size);
            Assert.Equal(client.Size, extents.Sum(e => e.Length));
        }

        Assert.True(device.Snapshot().AsSpan().SequenceEqual(content));
    }

    [Fact]
    public async Task Reads_a_qcow2_served_by_qemu_nbd_with_tls_creds_and_a_verified_client()
    {
        using var folder = new TestFolder();
        var credentials = TlsCredentials.Create(folder.Combine("pki"));
        var image = folder.Combine("disk.qcow2");
        await Tools.RunCheckedAsync("qemu-img", "create", "-q", "-f", "qcow2", image, "8M");
        await Tools.RunCheckedAsync("qemu-io", "-f", "qcow2", "-c", "write -P 0x5a 1M 192k", "-c", "write -P 0x33 6M 4k", image);
        await using var peer = await PeerServer.QemuNbdAsync(folder, image, "qcow2", "vm", "-r",
            "--object", $"tls-creds-x509,id=tls0,endpoint=server,dir={credentials.Directory},verify-peer=on", "--tls-creds", "tls0");

        // A unix socket names no host: the name the server's certificate holds is given.
        var tls = NbdClientTlsOptions.FromPemFiles(credentials.CaPath, Path.Combine(credentials.Directory, "client-cert.pem"), Path.Combine(credentials.Directory, "client-key.pem"), "localhost");
        await using (var client = await NbdClient.ConnectAsync(peer.EndPoint, "vm", new NbdClientOptions { MetaContexts = ["base:allocation"], Tls = tls }))
        {
            var data = new byte[8 * MiB];
            await client.ReadAsync(0, data);
            Assert.All(data.AsSpan(MiB, 192 * 1024).ToArray(), b => Assert.Equal(0x5a, b));
            Assert.All(data.AsSpan(6 * MiB, 4096).ToArray(), b => Assert.Equal(0x33, b));
            Assert.Equal(8L * MiB - (192 * 1024) - 4096, data.Count(b => b == 0));
            var allocated = (await client.BlockStatusAsync("base:allocation", 0, client.Size)).Where(e => (e.Flags & 2) == 0).Sum(e => e.Length);
            Assert.InRange(allocated, 196L * 1024, 2 * MiB);
        }

        // qemu-nbd verifies its peers: a client without a certificate gets no further than the TLS handshake.
        var anonymous = new NbdClientTlsOptions(Authorities(credentials), serverName: "localhost");
        var refused = await Assert.ThrowsAsync<NbdException>(() => NbdClient.ConnectAsync(peer.EndPoint, "vm", new NbdClientOptions { Tls = anonymous }));
        Assert.Contains("during the handshake for export 'vm'; a server refuses a client certificate, or the lack of one, that way over TLS", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_of_another_ca_another_name_or_without_tls_is_refused_and_plain_clients_are_told_to_use_tls()
    {
        using var folder = new TestFolder();
        var credentials = TlsCredentials.Create(folder.Combine("pki"));
        var other = TlsCredentials.Create(folder.Combine("other"), "Other");
        await using var server = StartTls(folder, credentials, requireClientCertificates: true);
        server.Exports.Set("disk0", new MemoryBlockDevice(MiB));

        var wrongCa = await Assert.ThrowsAsync<NbdException>(() => NbdClient.ConnectAsync(server.EndPoint, "disk0", new NbdClientOptions { Tls = ClientTls(other) }));
        Assert.Equal("The TLS handshake with the NBD server for export 'disk0' failed: its certificate does not chain to the given CA; give the CA that signed the server's certificate.", wrongCa.Message);

        var wrongName = new NbdClientTlsOptions(Authorities(credentials), credentials.Client, "backup.example");
        var named = await Assert.ThrowsAsync<NbdException>(() => NbdClient.ConnectAsync(server.EndPoint, "disk0", new NbdClientOptions { Tls = wrongName }));
        Assert.Contains("its certificate does not name backup.example", named.Message, StringComparison.Ordinal);

        var noCertificate = new NbdClientTlsOptions(Authorities(credentials));
        var anonymous = await Assert.ThrowsAsync<NbdException>(() => NbdClient.ConnectAsync(server.EndPoint, "disk0", new NbdClientOptions { Tls = noCertificate }));
        Assert.Contains("a server refuses a client certificate, or the lack of one, that way over TLS", anonymous.Message, StringComparison.Ordinal);

        var plain = await Assert.ThrowsAsync<NbdException>(() => NbdClient.ConnectAsync(server.EndPoint, "disk0"));
        Assert.Contains("the server requires TLS", plain.Message, StringComparison.Ordinal);

        await using var clear = TestServer.Start(new TestFolder());
        clear.Exports.Set("disk0", new MemoryBlockDevice(MiB));
        var fallback = await Assert.ThrowsAsync<NbdException>(() => NbdClient.ConnectAsync(clear.EndPoint, "disk0", new NbdClientOptions { Tls = ClientTls(credentials) }));
        Assert.Contains("TLS was asked for and the server does not offer it (NBD_OPT_STARTTLS was answered ErrUnsup", fallback.Message, StringComparison.Ordinal);

        // The server is still serving: the right client gets in after all of that.
        await using var good = await NbdClient.ConnectAsync(server.EndPoint, "disk0", new NbdClientOptions { Tls = ClientTls(credentials) });
        Assert.Equal(MiB, good.Size);
    }

    [Fact]
    public void Pem_files_that_are_missing_or_hold_no_certificate_are_named()
    {
        using var folder = new TestFolder();
        var missing = Assert.Throws<ArgumentException>(() => NbdClientTlsOptions.FromPemFiles(folder.Combine("cacert.pem")));
        Assert.StartsWith($"The CA file {folder.Combine("cacert.pem")} could not be read as PEM", missing.Message, StringComparison.Ordinal);
        File.WriteAllText(folder.Combine("empty.pem"), "not a certificate\n");
        var empty = Assert.Throws<ArgumentException>(() => NbdClientTlsOptions.FromPemFiles(folder.Combine("empty.pem")));
        Assert.Equal($"The CA file {folder.Combine("empty.pem")} holds no certificate; give the PEM certificate of the CA that signed the NBD server's certificate.", empty.Message);
        var half = Assert.Throws<ArgumentException>(() => NbdClientTlsOptions.FromPemFiles(folder.Combine("empty.pem"), folder.Combine("client-cert.pem")));
        Assert.StartsWith("A client certificate needs its private key", half.Message, StringComparison.Ordinal);
    }

    private static NbdClientTlsOptions ClientTls(TlsCredentials credentials) =>
        NbdClientTlsOptions.FromPemFiles(credentials.CaPath, Path.Combine(credentials.Directory, "client-cert.pem"), Path.Combine(credentials.Directory, "client-key.pem"));

    private static X509Certificate2Collection Authorities(TlsCredentials credentials) => [X509CertificateLoader.LoadCertificate(credentials.Ca.RawData)];

    private static TestServer StartTls(TestFolder folder, TlsCredentials credentials, bool requireClientCertificates) =>
        TestServer.Start(folder, options => options.Tls = NbdTlsOptions.FromPemFiles(
            credentials.ServerCertificatePath, credentials.ServerKeyPath, requireClientCertificates ? credentials.CaPath : null));
}
