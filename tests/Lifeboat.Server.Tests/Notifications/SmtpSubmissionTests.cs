using System.Net;
using System.Net.Sockets;
using System.Text;
using Lifeboat.Server.Notifications.Smtp;

namespace Lifeboat.Server.Tests.Notifications;

/// <summary>
/// Lifeboat's SMTP client against aiosmtpd on loopback (plain, STARTTLS, implicit TLS, AUTH), and against servers of
/// our own that answer with endless lines, overlong lines, garbage or nothing: each ends in one clean sentence.
/// </summary>
public sealed class SmtpSubmissionTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    private static SmtpMail Mail(string subject = "Job nightly failed", string body = "Line one.\n.a line that starts with a dot\n..two dots\nÜmlaut and €.") =>
        new("lifeboat@example.com", ["ops@example.com", "oncall@example.net"], subject, body, new DateTimeOffset(2026, 12, 7, 9, 30, 15, TimeSpan.FromHours(-5)));

    [Fact]
    public async Task Plain_SMTP_delivers_a_well_formed_message_with_dots_stuffed_and_a_UTF8_subject()
    {
        await using var sink = await SmtpSink.StartAsync();
        await SmtpSubmission.SendAsync(new SmtpRelay("127.0.0.1", sink.Port, SmtpSecurity.None), Mail("Job nächtlich failed: disk missing"), CancellationToken.None);

        var mail = Assert.Single(await sink.WaitForAsync(1, Wait));
        Assert.Equal("lifeboat@example.com", mail.MailFrom);
        Assert.Equal(["ops@example.com", "oncall@example.net"], mail.RcptTos);
        Assert.False(mail.Tls);
        Assert.Equal("Job nächtlich failed: disk missing", mail.Headers["Subject"]);
        Assert.Contains("=?UTF-8?B?", mail.Raw, StringComparison.Ordinal);
        Assert.Equal("Mon, 07 Dec 2026 09:30:15 -0500", mail.Headers["Date"]);
        Assert.Matches("^<[0-9a-f]{32}@example.com>$", mail.Headers["Message-ID"]);
        Assert.Equal("ops@example.com, oncall@example.net", mail.Headers["To"]);
        Assert.StartsWith("text/plain", mail.Headers["Content-Type"], StringComparison.Ordinal);
        Assert.Equal("Line one.\n.a line that starts with a dot\n..two dots\nÜmlaut and €.\n", mail.Body?.ReplaceLineEndings("\n"));
        Assert.DoesNotContain("\n\n.\n", mail.Raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task STARTTLS_with_the_relays_fingerprint_and_AUTH_delivers_and_an_untrusted_certificate_is_refused()
    {
        using var certificate = new TestCertificate();
        await using var sink = await SmtpSink.StartAsync("starttls", certificate, ("relay-user", "relay password 1"));
        var relay = new SmtpRelay("127.0.0.1", sink.Port, SmtpSecurity.StartTls, "relay-user", "relay password 1", TrustedFingerprint: certificate.Fingerprint);
        await SmtpSubmission.SendAsync(relay, Mail(), CancellationToken.None);
        var mail = Assert.Single(await sink.WaitForAsync(1, Wait));
        Assert.True(mail.Tls);
        Assert.Equal("relay-user", mail.Login);

        var untrusted = await Assert.ThrowsAsync<SmtpException>(() => SmtpSubmission.SendAsync(relay with { TrustedFingerprint = null }, Mail(), CancellationToken.None));
        Assert.Contains("does not trust", untrusted.Message, StringComparison.Ordinal);
        Assert.Contains(certificate.Fingerprint, untrusted.Message, StringComparison.Ordinal);

        var byCa = relay with { TrustedFingerprint = null, CaFile = certificate.CertificatePath };
        await SmtpSubmission.SendAsync(byCa, Mail(), CancellationToken.None);
        await sink.WaitForAsync(2, Wait);

        var wrongPassword = await Assert.ThrowsAsync<SmtpException>(() => SmtpSubmission.SendAsync(relay with { Password = "wrong password" }, Mail(), CancellationToken.None));
        Assert.Contains("refused the user relay-user", wrongPassword.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong password", wrongPassword.Message, StringComparison.Ordinal);

        var noLogin = await Assert.ThrowsAsync<SmtpException>(() => SmtpSubmission.SendAsync(relay with { User = null, Password = null }, Mail(), CancellationToken.None));
        Assert.Contains("refused MAIL FROM: 530", noLogin.Message, StringComparison.Ordinal);
        Assert.Equal(2, sink.Received().Count);
    }

    [Fact]
    public async Task Implicit_TLS_delivers_and_a_password_is_never_sent_without_TLS()
    {
        using var certificate = new TestCertificate();
        await using (var smtps = await SmtpSink.StartAsync("smtps", certificate))
        {
            await SmtpSubmission.SendAsync(new SmtpRelay("127.0.0.1", smtps.Port, SmtpSecurity.Tls, TrustedFingerprint: certificate.Fingerprint), Mail(), CancellationToken.None);
            Assert.True(Assert.Single(await smtps.WaitForAsync(1, Wait)).Tls);
        }

        // This relay offers AUTH in plain text; the client refuses to send the password before it connects.
        await using var plain = await SmtpSink.StartAsync(auth: ("relay-user", "relay password 1"), plainAuth: true);
        var refused = await Assert.ThrowsAsync<SmtpException>(() =>
            SmtpSubmission.SendAsync(new SmtpRelay("127.0.0.1", plain.Port, SmtpSecurity.None, "relay-user", "relay password 1"), Mail(), CancellationToken.None));
        Assert.Equal($"The SMTP password for 127.0.0.1:{plain.Port} is sent only over TLS; choose STARTTLS or TLS security for this relay.", refused.Message);

        // STARTTLS asked of a relay that does not offer it: stopped before anything else is sent.
        var noStartTls = await Assert.ThrowsAsync<SmtpException>(() =>
            SmtpSubmission.SendAsync(new SmtpRelay("127.0.0.1", plain.Port, SmtpSecurity.StartTls, "relay-user", "relay password 1"), Mail(), CancellationToken.None));
        Assert.Contains("does not offer STARTTLS", noStartTls.Message, StringComparison.Ordinal);
        Assert.Empty(plain.Received());
    }

    [Theory]
    [InlineData("endless-lines", "a reply of more than 100 lines")]
    [InlineData("endless-line", "a reply line longer than 1000 bytes")]
    [InlineData("garbage", "answered 'HTTP/1.1 400 Bad Request', which is not an SMTP reply")]
    [InlineData("binary", "which is not an SMTP reply")]
    [InlineData("silent", "did not finish within 3 s")]
    [InlineData("closes", "closed the connection before it answered")]
    public async Task A_hostile_or_broken_server_ends_in_one_sentence_and_the_client_hangs_up(string behaviour, string expected)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var server = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            var stream = client.GetStream();
            var sent = 0L;
            try
            {
                switch (behaviour)
                {
                    case "endless-lines":
                        await stream.WriteAsync("220 hostile ESMTP\r\n"u8.ToArray());
                        await ReadLineAsync(stream);
                        while (sent < 1L << 30)
                        {
                            await stream.WriteAsync("250-PIPELINING and more and more\r\n"u8.ToArray());
                            sent += 34;
                        }

                        break;
                    case "endless-line":
                        var chunk = new byte[64 * 1024];
                        Array.Fill(chunk, (byte)'2');
                        while (sent < 1L << 30)
                        {
                            await stream.WriteAsync(chunk);
                            sent += chunk.Length;
                        }

                        break;
                    case "garbage":
                        await stream.WriteAsync("HTTP/1.1 400 Bad Request\r\n\r\n"u8.ToArray());
                        break;
                    case "binary":
                        await stream.WriteAsync(new byte[] { 0x16, 0x03, 0x01, 0x00, 0xff, 0x0a });
                        break;
                    case "closes":
                        return sent;
                }

                // The client must be the one that hangs up: read until it does.
                while (await stream.ReadAsync(new byte[256]) > 0)
                {
                }
            }
            catch (IOException)
            {
                // The client closed the connection while the server wrote: what the test wants.
            }

            return sent;
        });

        var relay = new SmtpRelay("127.0.0.1", port, SmtpSecurity.None, Timeout: TimeSpan.FromSeconds(3));
        var error = await Assert.ThrowsAsync<SmtpException>(() => SmtpSubmission.SendAsync(relay, Mail(), CancellationToken.None));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("The SMTP ", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        // The server's loop ends only when the client has closed the connection; it never sends the 1 GiB it would.
        var sentBytes = await server.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(sentBytes < 1L << 30);
    }

    private static async Task ReadLineAsync(NetworkStream stream)
    {
        var one = new byte[1];
        while (await stream.ReadAsync(one) == 1 && one[0] != '\n')
        {
        }
    }
}
