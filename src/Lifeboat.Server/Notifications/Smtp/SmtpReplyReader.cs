using System.Text;

namespace Lifeboat.Server.Notifications.Smtp;

/// <summary>
/// Reads a relay's replies (RFC 5321 4.2): each line capped at <see cref="MaxLineBytes"/> and a reply at
/// <see cref="MaxLines"/> lines, so a server that sends endless or garbage lines costs a bounded buffer and one error.
/// </summary>
internal sealed class SmtpReplyReader(Stream stream, string relay)
{
    /// <summary>RFC 5321 allows 512 octets a reply line; real servers stay well under 1000.</summary>
    public const int MaxLineBytes = 1000;

    /// <summary>An EHLO reply lists a dozen extensions; a hundred lines is no SMTP server.</summary>
    public const int MaxLines = 100;

    private readonly byte[] _buffer = new byte[MaxLineBytes + 2];
    private int _start;
    private int _end;

    /// <summary>True when the server sent more than the reply read: before a TLS handshake that is an attack (CVE-2011-0411).</summary>
    public bool HasUnread => _end > _start;

    public async Task<SmtpReply> ReadAsync(CancellationToken cancellationToken)
    {
        var lines = new List<string>();
        var code = 0;
        while (true)
        {
            if (lines.Count == MaxLines)
                throw new SmtpException($"The SMTP server {relay} sent a reply of more than {MaxLines} lines; it is not an SMTP relay Lifeboat can use.");
            var line = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (line.Length < 3 || !char.IsAsciiDigit(line[0]) || !char.IsAsciiDigit(line[1]) || !char.IsAsciiDigit(line[2])
                || (line.Length > 3 && line[3] is not (' ' or '-')))
                throw new SmtpException($"The SMTP server {relay} answered '{Printable(line)}', which is not an SMTP reply; check the channel's host and port.");
            var lineCode = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
            if (lines.Count > 0 && lineCode != code)
                throw new SmtpException($"The SMTP server {relay} mixed reply codes {code} and {lineCode} in one reply; it is not an SMTP relay Lifeboat can use.");
            code = lineCode;
            lines.Add(line.Length > 4 ? line[4..] : "");
            if (line.Length == 3 || line[3] == ' ')
                return new SmtpReply(code, lines);
        }
    }

    private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        var scanned = _start;
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', scanned, _end - scanned);
            if (newline >= 0)
            {
                var end = newline > _start && _buffer[newline - 1] == '\r' ? newline - 1 : newline;
                var line = Encoding.UTF8.GetString(_buffer, _start, end - _start);
                _start = newline + 1;
                return line;
            }

            if (_end - _start >= MaxLineBytes)
                throw new SmtpException($"The SMTP server {relay} sent a reply line longer than {MaxLineBytes} bytes; it is not an SMTP relay Lifeboat can use.");
            scanned = _end;
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                (scanned, _end, _start) = (scanned - _start, _end - _start, 0);
            }

            var read = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (read == 0)
                throw new SmtpException($"The SMTP server {relay} closed the connection before it answered.");
            _end += read;
        }
    }

    private static string Printable(string text)
    {
        var shown = new string([.. text.Take(60).Select(c => char.IsControl(c) || c > '~' ? '?' : c)]);
        return text.Length > 60 ? shown + "…" : shown;
    }
}
