using System.Globalization;
using System.Text;

namespace Lifeboat.Server.Notifications.Smtp;

/// <summary>
/// An RFC 5322 message with a MIME text/plain UTF-8 body: Date, Message-ID, From, To, a Subject in RFC 2047
/// encoded-words when it is not plain ASCII; lines end in CRLF. The body is sent as 8bit when the relay takes it
/// (8BITMIME) and its lines are short, else in base64.
/// </summary>
internal static class SmtpMessageText
{
    /// <summary>RFC 5322 2.1.1: 998 octets a line at most; 900 leaves room.</summary>
    private const int MaxEightBitLine = 900;

    /// <summary>Bytes of UTF-8 per encoded-word: 45 bytes are 60 base64 characters, which with "=?UTF-8?B?" and "?=" stays under 75.</summary>
    private const int EncodedWordBytes = 45;

    public static string Compose(SmtpMail mail, bool eightBit)
    {
        var body = Normalize(mail.Body);
        var sendEightBit = eightBit && body.Split("\r\n").All(line => Encoding.UTF8.GetByteCount(line) <= MaxEightBitLine);
        var domain = mail.From[(mail.From.LastIndexOf('@') + 1)..];
        var text = new StringBuilder();
        text.Append("Date: ").Append(Date(mail.Date)).Append("\r\n");
        text.Append("Message-ID: <").Append(Guid.NewGuid().ToString("N")).Append('@').Append(domain).Append(">\r\n");
        text.Append("From: ").Append(mail.From).Append("\r\n");
        text.Append("To: ").Append(string.Join(", ", mail.To)).Append("\r\n");
        text.Append("Subject: ").Append(Subject(mail.Subject)).Append("\r\n");
        text.Append("MIME-Version: 1.0\r\n");
        text.Append("Content-Type: text/plain; charset=utf-8\r\n");
        text.Append("Content-Transfer-Encoding: ").Append(sendEightBit ? "8bit" : "base64").Append("\r\n");
        text.Append("\r\n");
        if (sendEightBit)
            text.Append(body);
        else
            text.Append(Convert.ToBase64String(Encoding.UTF8.GetBytes(body), Base64FormattingOptions.InsertLineBreaks));
        text.Append("\r\n");
        return text.ToString();
    }

    /// <summary>RFC 5321 4.5.2: a line that begins with a dot gets one more, so that "." alone never ends the data early.</summary>
    public static string DotStuff(string message) =>
        (message.StartsWith('.') ? "." : "") + message.Replace("\r\n.", "\r\n..", StringComparison.Ordinal);

    /// <summary>RFC 5322 3.3: "Mon, 07 Dec 2026 14:05:00 -0500".</summary>
    public static string Date(DateTimeOffset date)
    {
        var offset = date.Offset;
        var sign = offset < TimeSpan.Zero ? '-' : '+';
        var absolute = offset.Duration();
        return date.ToString("ddd, dd MMM yyyy HH:mm:ss ", CultureInfo.InvariantCulture)
            + $"{sign}{absolute.Hours:00}{absolute.Minutes:00}";
    }

    /// <summary>Plain when it is printable ASCII, else RFC 2047 "B" encoded-words folded onto lines of their own.</summary>
    public static string Subject(string subject)
    {
        var oneLine = string.Join(' ', subject.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries));
        if (oneLine.All(c => c is >= ' ' and <= '~') && oneLine.Length <= 900 && !oneLine.Contains("=?", StringComparison.Ordinal))
            return oneLine;
        var words = new List<string>();
        var chunk = new StringBuilder();
        foreach (var rune in oneLine.EnumerateRunes())
        {
            if (Encoding.UTF8.GetByteCount(chunk.ToString()) + rune.Utf8SequenceLength > EncodedWordBytes)
            {
                words.Add(EncodedWord(chunk.ToString()));
                chunk.Clear();
            }

            chunk.Append(rune.ToString());
        }

        if (chunk.Length > 0)
            words.Add(EncodedWord(chunk.ToString()));
        return string.Join("\r\n ", words);
    }

    private static string EncodedWord(string text) => $"=?UTF-8?B?{Convert.ToBase64String(Encoding.UTF8.GetBytes(text))}?=";

    /// <summary>Every line break a CRLF, no bare CR or LF left (RFC 5321 2.3.8).</summary>
    private static string Normalize(string body) =>
        body.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Replace("\n", "\r\n", StringComparison.Ordinal);
}
