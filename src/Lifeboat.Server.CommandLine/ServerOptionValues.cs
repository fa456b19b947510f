using System.CommandLine.Parsing;
using System.Globalization;
using System.Net;
using Lifeboat.Server.Contracts.Hosting;

namespace Lifeboat.Server.CommandLine;

/// <summary>How each of the server's option values is read: a value, or a sentence that says why it is not one.</summary>
internal static class ServerOptionValues
{
    /// <summary>The option's value read by <paramref name="read"/>; what it refuses becomes the parse's error, naming the option.</summary>
    public static T? Checked<T>(ArgumentResult result, Func<string, T?> read)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
        var name = (result.Parent as OptionResult)?.Option.Name ?? result.Argument.Name;
        try
        {
            return read(text);
        }
        catch (FormatException e)
        {
            result.AddError($"{name} '{text}' {e.Message}");
            return default;
        }
    }

    /// <summary>HOST:PORT with an IPv4 or bracketed IPv6 address, or <c>localhost:PORT</c>.</summary>
    public static IPEndPoint? EndPoint(string text)
    {
        var value = text.StartsWith("localhost:", StringComparison.OrdinalIgnoreCase) ? "127.0.0.1" + text[9..] : text;
        return IPEndPoint.TryParse(value, out var endPoint) && endPoint.Port != 0
            ? endPoint
            : throw new FormatException($"is not an address and port such as 127.0.0.1:{RestApi.DefaultPort}.");
    }

    public static int? Port(string text) => Whole(text, 0, IPEndPoint.MaxPort, "is not a port number (0 to 65535).");

    public static int? Count(string text) => Whole(text, 1, 256, "is not a number from 1 to 256.");

    public static int? Megabytes(string text) => Whole(text, 256, 1 << 20, "is not a number of MiB from 256 to 1048576.");

    public static int? Percent(string text) => Whole(text, 1, 100, "is not a percentage from 1 to 100.");

    public static TimeSpan? GraceSeconds(string text) => TimeSpan.FromSeconds(Whole(text, 0, 7 * 86_400, "is not a number of seconds from 0 to 604800."));

    public static TimeSpan? IdleSeconds(string text) => TimeSpan.FromSeconds(Whole(text, 1, 86_400, "is not a number of seconds from 1 to 86400."));

    public static string? LogFormat(string text) =>
        text is ServerCommandLine.LogText or ServerCommandLine.LogJson
            ? text
            : throw new FormatException($"is not a log format; give {ServerCommandLine.LogText} or {ServerCommandLine.LogJson}.");

    public static Uri? PublicUrl(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme is "http" or "https" && string.IsNullOrEmpty(url.Query) && string.IsNullOrEmpty(url.UserInfo)
            ? url
            : throw new FormatException($"is not the console's address such as https://lifeboat.example:{RestApi.DefaultPort}/.");

    /// <summary>Digits only (no sign, no spaces) making a number from <paramref name="min"/> to <paramref name="max"/>.</summary>
    private static int Whole(string text, int min, int max, string problem) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new FormatException(problem);

    /// <summary>A number of bytes, with an optional K, M, G or T (powers of 1024).</summary>
    public static long? Bytes(string text)
    {
        var span = text.AsSpan().Trim();
        long multiplier = 1;
        if (span.Length > 0 && char.ToUpperInvariant(span[^1]) is 'K' or 'M' or 'G' or 'T')
        {
            multiplier = char.ToUpperInvariant(span[^1]) switch { 'K' => 1L << 10, 'M' => 1L << 20, 'G' => 1L << 30, _ => 1L << 40 };
            span = span[..^1];
        }

        return long.TryParse(span, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value <= long.MaxValue / multiplier
            ? value * multiplier
            : throw new FormatException("is not a size such as 1G, 512M or 1048576.");
    }
}
