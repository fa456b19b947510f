using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;

namespace Lifeboat.Server.Notifications.Smtp;

/// <summary>
/// Lifeboat's own SMTP submission client (RFC 5321, RFC 6409): EHLO, STARTTLS or implicit TLS, AUTH PLAIN or LOGIN
/// only over TLS, MAIL FROM, RCPT TO, DATA with dot-stuffing, QUIT. Every reply is read with capped lines, and the
/// whole submission ends by the relay's timeout.
/// </summary>
public static class SmtpSubmission
{
    /// <summary>Sends <paramref name="mail"/> through <paramref name="relay"/>.</summary>
    /// <exception cref="SmtpException">The relay refused it or could not be reached; the message says why.</exception>
    public static async Task SendAsync(SmtpRelay relay, SmtpMail mail, CancellationToken cancellationToken)
    {
        if (relay.Password is not null && relay.Security == SmtpSecurity.None)
            throw new SmtpException($"The SMTP password for {relay} is sent only over TLS; choose STARTTLS or TLS security for this relay.");
        var timeout = relay.Timeout ?? SmtpRelay.DefaultTimeout;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await SubmitAsync(relay, mail, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SmtpException($"The SMTP relay {relay} did not finish within {timeout.TotalSeconds:0} s; check that it is an SMTP server and that it answers.");
        }
        catch (SocketException e)
        {
            throw new SmtpException($"The SMTP relay {relay} cannot be reached ({e.Message.TrimEnd('.')}); check the channel's host and port.", e);
        }
        catch (IOException e)
        {
            throw new SmtpException($"The connection to the SMTP relay {relay} broke ({e.Message.TrimEnd('.')}).", e);
        }
    }

    private static async Task SubmitAsync(SmtpRelay relay, SmtpMail mail, CancellationToken cancellationToken)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(relay.Host, relay.Port, cancellationToken).ConfigureAwait(false);
        Stream stream = tcp.GetStream();
        await using var _ = stream.ConfigureAwait(false);
        var tls = relay.Security == SmtpSecurity.Tls;
        if (tls)
            stream = await HandshakeAsync(relay, stream, cancellationToken).ConfigureAwait(false);
        var reader = new SmtpReplyReader(stream, relay.Endpoint);
        Expect(relay, "its greeting", await reader.ReadAsync(cancellationToken).ConfigureAwait(false), 220);
        var extensions = await HelloAsync(relay, stream, reader, cancellationToken).ConfigureAwait(false);

        if (relay.Security == SmtpSecurity.StartTls)
        {
            if (!extensions.Contains("STARTTLS"))
                throw new SmtpException($"The SMTP relay {relay} does not offer STARTTLS; choose TLS security (port 465) or a relay that offers it.");
            Expect(relay, "STARTTLS", await CommandAsync(stream, reader, "STARTTLS", cancellationToken).ConfigureAwait(false), 220);
            if (reader.HasUnread)
                throw new SmtpException($"The SMTP relay {relay} sent more than its answer to STARTTLS before the TLS handshake; Lifeboat stopped, as that is how commands are injected.");
            stream = await HandshakeAsync(relay, stream, cancellationToken).ConfigureAwait(false);
            reader = new SmtpReplyReader(stream, relay.Endpoint);
            extensions = await HelloAsync(relay, stream, reader, cancellationToken).ConfigureAwait(false);
            tls = true;
        }

        if (relay.User is not null)
            await AuthenticateAsync(relay, tls, extensions, stream, reader, cancellationToken).ConfigureAwait(false);

        var eightBit = extensions.Contains("8BITMIME");
        Expect(relay, "MAIL FROM", await CommandAsync(stream, reader, $"MAIL FROM:<{mail.From}>{(eightBit ? " BODY=8BITMIME" : "")}", cancellationToken).ConfigureAwait(false), 250);
        foreach (var to in mail.To)
            Expect(relay, $"the recipient {to}", await CommandAsync(stream, reader, $"RCPT TO:<{to}>", cancellationToken).ConfigureAwait(false), 250, 251);
        Expect(relay, "DATA", await CommandAsync(stream, reader, "DATA", cancellationToken).ConfigureAwait(false), 354);
        var message = SmtpMessageText.DotStuff(SmtpMessageText.Compose(mail, eightBit));
        await stream.WriteAsync(Encoding.UTF8.GetBytes(message + ".\r\n"), cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        Expect(relay, "the message", await reader.ReadAsync(cancellationToken).ConfigureAwait(false), 250);
        try
        {
            await CommandAsync(stream, reader, "QUIT", cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SmtpException or IOException)
        {
            // The message is accepted; a relay that drops the connection at QUIT loses nothing.
        }
    }

    /// <summary>EHLO; the extensions the relay offers, upper case, by keyword and with their parameters ("AUTH PLAIN LOGIN").</summary>
    private static async Task<HashSet<string>> HelloAsync(SmtpRelay relay, Stream stream, SmtpReplyReader reader, CancellationToken cancellationToken)
    {
        var reply = await CommandAsync(stream, reader, $"EHLO {ClientName()}", cancellationToken).ConfigureAwait(false);
        Expect(relay, "EHLO", reply, 250);
        var extensions = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in reply.Lines.Skip(1))
        {
            var upper = line.Trim().ToUpperInvariant();
            extensions.Add(upper);
            extensions.Add(upper.Split(' ')[0]);
        }

        return extensions;
    }

    private static async Task AuthenticateAsync(SmtpRelay relay, bool tls, HashSet<string> extensions, Stream stream, SmtpReplyReader reader, CancellationToken cancellationToken)
    {
        if (!tls)
            throw new SmtpException($"The SMTP password for {relay} is sent only over TLS; choose STARTTLS or TLS security for this relay.");
        var mechanisms = extensions.FirstOrDefault(e => e.StartsWith("AUTH ", StringComparison.Ordinal))?.Split(' ').Skip(1).ToHashSet(StringComparer.Ordinal) ?? [];
        var user = relay.User!;
        var password = relay.Password ?? "";
        SmtpReply reply;
        if (mechanisms.Contains("PLAIN"))
        {
            reply = await CommandAsync(stream, reader, "AUTH PLAIN " + Base64($"\0{user}\0{password}"), cancellationToken).ConfigureAwait(false);
        }
        else if (mechanisms.Contains("LOGIN"))
        {
            Expect(relay, "AUTH LOGIN", await CommandAsync(stream, reader, "AUTH LOGIN", cancellationToken).ConfigureAwait(false), 334);
            Expect(relay, "the user name", await CommandAsync(stream, reader, Base64(user), cancellationToken).ConfigureAwait(false), 334);
            reply = await CommandAsync(stream, reader, Base64(password), cancellationToken).ConfigureAwait(false);
        }
        else
        {
            throw new SmtpException($"The SMTP relay {relay} offers no password login Lifeboat speaks (PLAIN or LOGIN); remove the user from the channel, or use another relay.");
        }

        if (reply.Code != 235)
            throw new SmtpException($"The SMTP relay {relay} refused the user {user} and its password ({reply.Code} {Shown(reply)}); check them in the channel.");
    }

    private static async Task<SslStream> HandshakeAsync(SmtpRelay relay, Stream stream, CancellationToken cancellationToken)
    {
        var check = new RelayCertificateCheck(relay);
        var ssl = new SslStream(stream, leaveInnerStreamOpen: true, (_, certificate, _, errors) => check.Validate(certificate, errors));
        try
        {
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = relay.Host }, cancellationToken).ConfigureAwait(false);
            return ssl;
        }
        catch (AuthenticationException e)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw new SmtpException(check.Refusal ?? $"The TLS handshake with the SMTP relay {relay} failed ({e.Message.TrimEnd('.')}).", e);
        }
    }

    private static async Task<SmtpReply> CommandAsync(Stream stream, SmtpReplyReader reader, string command, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(Encoding.UTF8.GetBytes(command + "\r\n"), cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
    }

    private static void Expect(SmtpRelay relay, string what, SmtpReply reply, params int[] codes)
    {
        if (!codes.Contains(reply.Code))
            throw new SmtpException($"The SMTP relay {relay} refused {what}: {reply.Code} {Shown(reply)}.");
    }

    private static string Shown(SmtpReply reply)
    {
        var text = reply.Text.TrimEnd('.');
        return text.Length > 200 ? text[..200] + "…" : text;
    }

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    /// <summary>The EHLO name: this machine's name when it is a plain host name, else an address literal.</summary>
    private static string ClientName()
    {
        var name = System.Net.Dns.GetHostName();
        return name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.') ? name : "[127.0.0.1]";
    }
}
