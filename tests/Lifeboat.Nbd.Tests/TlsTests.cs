using System.Text.Json;
using Lifeboat.Nbd.Protocol;
using Lifeboat.Nbd.Server;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Nbd.Tests;

/// <summary>
/// Forced TLS: real clients (nbdinfo and nbdcopy with nbds://, qemu-img and qemu-io with tls-creds-x509) with
/// certificates made here, clients that skip STARTTLS, clients of another CA, and a broken TLS hello.
/// </summary>
public sealed class TlsTests
{
    private const int MiB = 1024 * 1024;

    [Fact]
    public async Task Nbdinfo_nbdcopy_qemu_img_and_qemu_io_read_and_write_bit_exact_over_tls_with_client_certificates()
    {
        using var folder = new TestFolder();
        var credentials = TlsCredentials.Create(folder.Combine("pki"));
        await using var server = StartTls(folder, credentials, requireClientCertificates: true);
        var content = new byte[4 * MiB];
        new Random(16).NextBytes(content.AsSpan(0, 3 * MiB / 2));
        new Random(17).NextBytes(content.AsSpan(3 * MiB, 64 * 1024));
        var device = new MemoryBlockDevice(content.Length);
        await device.WriteAsync(0, content, false, default);
        server.Exports.Set("disk0", device);

        var info = await Tools.RunCheckedAsync("nbdinfo", "--json", $"{Nbds(server, "disk0")}?tls-certificates={credentials.Directory}");
        var export = JsonDocument.Parse(info).RootElement.GetProperty("exports")[0];
        Assert.Equal(4L * MiB, export.GetProperty("export-size").GetInt64());
        Assert.True(JsonDocument.Parse(info).RootElement.GetProperty("TLS").GetBoolean());

        var copied = folder.Combine("nbdcopy.raw");
        await Tools.RunCheckedAsync("nbdcopy", $"{Nbds(server, "disk0")}?tls-certificates={credentials.Directory}", copied);
        Assert.True((await File.ReadAllBytesAsync(copied)).AsSpan().SequenceEqual(content));

        var converted = folder.Combine("qemu.raw");
        await Tools.RunCheckedAsync("qemu-img", "convert", "--object", TlsObject(credentials.Directory), "--image-opts", ImageOpts(server, "disk0"), "-O", "raw", converted);
        Assert.True((await File.ReadAllBytesAsync(converted)).AsSpan().SequenceEqual(content));

        var io = await Tools.RunCheckedAsync("qemu-io", "--object", TlsObject(credentials.Directory), "--image-opts",
            "-c", "write -P 0x5a 2M 192k", "-c", "read -P 0x5a 2M 192k", "-c", "flush", ImageOpts(server, "disk0"));
        Assert.DoesNotContain("Pattern verification failed", io, StringComparison.Ordinal);
        Assert.All(device.Snapshot().AsSpan(2 * MiB, 192 * 1024).ToArray(), b => Assert.Equal(0x5a, b));
        Assert.True(device.Snapshot().AsSpan(0, 2 * MiB).SequenceEqual(content.AsSpan(0, 2 * MiB)));
    }

    [Fact]
    public async Task Before_starttls_every_option_but_abort_gets_tls_reqd_and_plain_clients_are_refused()
    {
        using var folder = new TestFolder();
        var credentials = TlsCredentials.Create(folder.Combine("pki"));
        await using var server = StartTls(folder, credentials, requireClientCertificates: false);
        server.Exports.Set("secret", new MemoryBlockDevice(MiB));

        await using (var raw = await RawNbd.ConnectAsync(server.EndPoint))
        {
            await raw.GreetAsync();
            foreach (var (option, data) in new[]
            {
                (NbdOption.List, Array.Empty<byte>()), (NbdOption.StructuredReply, []), (NbdOption.Info, RawNbd.GoData("secret")),
                (NbdOption.Go, RawNbd.GoData("secret")), (NbdOption.SetMetaContext, RawNbd.MetaContextData("secret", "base:allocation")),
            })
            {
                await raw.SendOptionAsync(option, data);
                var reply = await raw.ReadOptionReplyAsync();
                Assert.Equal(((uint)option, NbdOptionReplyType.ErrTlsReqd), (reply.Option, reply.Type));
                Assert.DoesNotContain("secret", System.Text.Encoding.UTF8.GetString(reply.Data), StringComparison.Ordinal);
            }

            await raw.SendOptionAsync(NbdOption.StartTls, [1]);
            Assert.Equal(NbdOptionReplyType.ErrInvalid, (await raw.ReadOptionReplyAsync()).Type);
            await raw.SendOptionAsync(NbdOption.Abort, []);
            Assert.Equal(NbdOptionReplyType.Ack, (await raw.ReadOptionReplyAsync()).Type);
            Assert.True(await raw.IsClosedByServerAsync());
        }

        await using (var raw = await RawNbd.ConnectAsync(server.EndPoint))
        {
            // NBD_OPT_EXPORT_NAME has no error reply: the connection is closed.
            await raw.GreetAsync();
            await raw.SendOptionAsync(NbdOption.ExportName, "secret"u8.ToArray());
            Assert.True(await raw.IsClosedByServerAsync());
        }

        var (nbdinfoExit, nbdinfoOutput) = await Tools.RunAsync("nbdinfo", $"nbd://127.0.0.1:{server.Port}/secret");
        // libnbd reports NBD_REP_ERR_TLS_REQD to NBD_OPT_GO as ENOTSUP; QEMU names it and relays our reason.
        Assert.NotEqual(0, nbdinfoExit);
        Assert.Contains("nbd_opt_go: server replied with error", nbdinfoOutput, StringComparison.Ordinal);
        var (qemuExit, qemuOutput) = await Tools.RunAsync("qemu-img", "info", $"nbd://127.0.0.1:{server.Port}/secret");
        Assert.NotEqual(0, qemuExit);
        Assert.Contains("TLS negotiation required", qemuOutput, StringComparison.Ordinal);
        Assert.Contains("this server requires TLS", qemuOutput, StringComparison.Ordinal);
        Assert.Contains(server.Logger.Entries, e => e.Message.Contains("NBD_OPT_EXPORT_NAME before NBD_OPT_STARTTLS", StringComparison.Ordinal));
    }

    [Fact]
    public async Task After_starttls_the_handshake_starts_afresh_and_transmission_runs_over_tls()
    {
        using var folder = new TestFolder();
        var credentials = TlsCredentials.Create(folder.Combine("pki"));
        await using var server = StartTls(folder, credentials, requireClientCertificates: true);
        var device = new MemoryBlockDevice(MiB);
        await device.WriteAsync(4096, Enumerable.Repeat((byte)0xc3, 4096).ToArray(), false, default);
        server.Exports.Set("disk", device);

        await using var raw = await RawNbd.ConnectAsync(server.EndPoint);
        await raw.GreetAsync();
        await raw.SendOptionAsync(NbdOption.StartTls, []);
        Assert.Equal((5u, NbdOptionReplyType.Ack), ((await raw.ReadOptionReplyAsync()) is var r ? (r.Option, r.Type) : default));
        await raw.StartTlsAsync(credentials.Ca, credentials.Client);

        await raw.SendOptionAsync(NbdOption.StartTls, []);
        Assert.Equal(NbdOptionReplyType.ErrInvalid, (await raw.ReadOptionReplyAsync()).Type);
        await raw.SendOptionAsync(NbdOption.Go, RawNbd.GoData("disk"));
        while ((await raw.ReadOptionReplyAsync()).Type != NbdOptionReplyType.Ack)
        {
        }

        await raw.SendRequestAsync(NbdCommand.Read, 7, 4096, 4096);
        Assert.Equal((NbdError.None, 7ul), await raw.ReadSimpleReplyAsync());
        Assert.All(await raw.ReadAsync(4096), b => Assert.Equal(0xc3, b));
    }

    [Fact]
    public async Task With_a_client_ca_a_client_of_another_ca_or_without_a_certificate_is_refused()
    {
        using var folder = new TestFolder();
        var credentials = TlsCredentials.Create(folder.Combine("pki"));
        var other = TlsCredentials.Create(folder.Combine("other"), "Other");
        // Trusts our server, but holds a client certificate of the other CA.
        var foreign = Directory.CreateDirectory(folder.Combine("foreign")).FullName;
        File.Copy(credentials.CaPath, Path.Combine(foreign, "ca-cert.pem"));
        File.Copy(Path.Combine(other.Directory, "client-cert.pem"), Path.Combine(foreign, "client-cert.pem"));
        File.Copy(Path.Combine(other.Directory, "client-key.pem"), Path.Combine(foreign, "client-key.pem"));
        var anonymous = credentials.CaOnlyDirectory(folder.Combine("anonymous"));
        await using var server = StartTls(folder, credentials, requireClientCertificates: true);
        server.Exports.Set("disk0", new MemoryBlockDevice(MiB));

        foreach (var directory in new[] { foreign, anonymous })
        {
            var (exit, output) = await Tools.RunAsync("nbdinfo", $"{Nbds(server, "disk0")}?tls-certificates={directory}");
            Assert.True(exit != 0, output);
            var (qemuExit, qemuOutput) = await Tools.RunAsync("qemu-img", "info", "--object", TlsObject(directory), "--image-opts", ImageOpts(server, "disk0"));
            Assert.True(qemuExit != 0, qemuOutput);
        }

        Assert.Contains(server.Logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("TLS handshake failed", StringComparison.Ordinal));
        await using var raw = await RawNbd.ConnectAsync(server.EndPoint);
        await raw.GreetAsync();
        await raw.SendOptionAsync(NbdOption.StartTls, []);
        await raw.ReadOptionReplyAsync();
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            // TLS 1.3 sends the refusal of the client's certificate after the client thinks the handshake done.
            await raw.StartTlsAsync(credentials.Ca, other.Client);
            await raw.SendOptionAsync(NbdOption.Go, RawNbd.GoData("disk0"));
            await raw.ReadOptionReplyAsync();
        });

        // The same clients with our CA's certificate get in; without a client CA a client needs no certificate.
        await Tools.RunCheckedAsync("nbdinfo", $"{Nbds(server, "disk0")}?tls-certificates={credentials.Directory}");
        await using var open = StartTls(new TestFolder(), credentials, requireClientCertificates: false);
        open.Exports.Set("disk0", new MemoryBlockDevice(MiB));
        await Tools.RunCheckedAsync("nbdinfo", $"{Nbds(open, "disk0")}?tls-certificates={anonymous}");
        await Tools.RunCheckedAsync("qemu-img", "info", "--object", TlsObject(anonymous), "--image-opts", ImageOpts(open, "disk0"));
    }

    [Fact]
    public async Task A_malformed_tls_hello_closes_that_connection_and_others_carry_on()
    {
        using var folder = new TestFolder();
        var credentials = TlsCredentials.Create(folder.Combine("pki"));
        await using var server = StartTls(folder, credentials, requireClientCertificates: true);
        var device = new MemoryBlockDevice(MiB);
        await device.WriteAsync(0, Enumerable.Repeat((byte)0x42, 4096).ToArray(), false, default);
        server.Exports.Set("disk", device);

        await using var good = await RawNbd.ConnectAsync(server.EndPoint);
        await good.GreetAsync();
        await good.SendOptionAsync(NbdOption.StartTls, []);
        await good.ReadOptionReplyAsync();
        await good.StartTlsAsync(credentials.Ca, credentials.Client);
        await good.SendOptionAsync(NbdOption.Go, RawNbd.GoData("disk"));
        while ((await good.ReadOptionReplyAsync()).Type != NbdOptionReplyType.Ack)
        {
        }

        byte[][] hellos =
        [
            // A handshake record that claims 65535 bytes, then a ClientHello cut short and garbage.
            [0x16, 0x03, 0x01, 0xff, 0xff, 0x01, 0x00, 0xff, 0xfc, 0x03, 0x03, .. new byte[64]],
            // Not TLS at all.
            "GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray(),
            // A record of a type that does not exist.
            [0x99, 0x03, 0x03, 0x00, 0x04, 1, 2, 3, 4],
        ];
        foreach (var hello in hellos)
        {
            await using var bad = await RawNbd.ConnectAsync(server.EndPoint);
            await bad.GreetAsync();
            await bad.SendOptionAsync(NbdOption.StartTls, []);
            Assert.Equal(NbdOptionReplyType.Ack, (await bad.ReadOptionReplyAsync()).Type);
            await bad.SendAsync(hello);
            if (hello[0] == 0x16)
            {
                // The server waits for the rest of the record: the client hanging up ends it.
                await bad.DisposeAsync();
                continue;
            }

            Assert.True(await bad.IsClosedByServerAsync());
        }

        await good.SendRequestAsync(NbdCommand.Read, 1, 0, 4096);
        Assert.Equal((NbdError.None, 1ul), await good.ReadSimpleReplyAsync());
        Assert.All(await good.ReadAsync(4096), b => Assert.Equal(0x42, b));
        await Tools.RunCheckedAsync("nbdinfo", $"{Nbds(server, "disk")}?tls-certificates={credentials.Directory}");
        Assert.Contains(server.Logger.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("TLS handshake failed", StringComparison.Ordinal));
        Assert.DoesNotContain(server.Logger.Entries, e => e.Level >= LogLevel.Error);
    }

    private static TestServer StartTls(TestFolder folder, TlsCredentials credentials, bool requireClientCertificates) =>
        TestServer.Start(folder, options => options.Tls = NbdTlsOptions.FromPemFiles(
            credentials.ServerCertificatePath, credentials.ServerKeyPath, requireClientCertificates ? credentials.CaPath : null));

    private static string Nbds(TestServer server, string export) => $"nbds://127.0.0.1:{server.Port}/{export}";

    private static string TlsObject(string directory) => $"tls-creds-x509,id=tls0,endpoint=client,dir={directory}";

    private static string ImageOpts(TestServer server, string export) =>
        $"driver=nbd,server.type=inet,server.host=127.0.0.1,server.port={server.Port},export={export},tls-creds=tls0";
}
