using System.Globalization;
using System.Net;

namespace Lifeboat.Server.Hosting;

/// <summary>Parses the server's command line: <c>[--data DIR] [--listen HOST:PORT] [--certificate PEM --certificate-key PEM] [--nfs-port N] [--nbd-port N] [--portmap-port N] [--control-socket PATH] [--cache-reserve BYTES] [--max-verifications N] [--file-restore-idle SECONDS] [--file-restore-memory MIB] [--qemu PATH] [--log-format text|json] [--repository-full-percent N] [--overdue-grace SECONDS] [--public-url URL]</c>.</summary>
public static class ServerArguments
{
    public const string Usage =
        "lifeboat-server [--data DIR] [--listen 127.0.0.1:8707] [--certificate FILE.pem --certificate-key KEY.pem] [--nfs-port 2049] [--nbd-port 10809] [--portmap-port 111] [--control-socket PATH] [--cache-reserve BYTES] [--max-verifications N] [--file-restore-idle 900] [--file-restore-memory 4096] [--qemu qemu-system-x86_64] [--log-format text|json] [--repository-full-percent 90] [--overdue-grace SECONDS] [--public-url https://lifeboat.example:8707/]";

    /// <exception cref="ArgumentException">An option is unknown, repeated without a value, or its value is not valid.</exception>
    public static ServerOptions Parse(IReadOnlyList<string> args)
    {
        var options = new ServerOptions { DataDirectory = DataFolder.Default };
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{name} needs a value; usage: {Usage}");
            options = name switch
            {
                "--data" => options with { DataDirectory = Path.GetFullPath(Value()) },
                "--listen" => options with { Listen = ParseEndPoint(Value()) },
                "--certificate" => options with { CertificatePath = Path.GetFullPath(Value()) },
                "--certificate-key" => options with { CertificateKeyPath = Path.GetFullPath(Value()) },
                "--nfs-port" => options with { NfsPort = ParsePort(name, Value(), allowZero: true) },
                "--nbd-port" => options with { NbdPort = ParsePort(name, Value(), allowZero: true) },
                "--portmap-port" => options with { PortmapPort = ParsePort(name, Value(), allowZero: true) },
                "--control-socket" => options with { ControlSocketPath = Path.GetFullPath(Value()) },
                "--cache-reserve" => options with { CacheReserveBytes = ParseBytes(name, Value()) },
                "--max-verifications" => options with { MaxVerifications = ParseCount(name, Value()) },
                "--file-restore-idle" => options with { FileRestoreIdleTimeout = ParseSeconds(name, Value()) },
                "--file-restore-memory" => options with { FileRestoreMemoryMegabytes = ParseMegabytes(name, Value()) },
                "--repository-full-percent" => options with { RepositoryFullPercent = ParsePercent(name, Value()) },
                "--overdue-grace" => options with { OverdueGrace = ParseGrace(name, Value()) },
                "--public-url" => options with { PublicUrl = ParsePublicUrl(Value()) },
                "--qemu" => options with { QemuBinary = Value() },
                "--log-format" => options with { LogFormat = ParseLogFormat(Value()) },
                _ => throw new ArgumentException($"Unknown option '{name}'; usage: {Usage}"),
            };
        }

        if ((options.CertificatePath is null) != (options.CertificateKeyPath is null))
            throw new ArgumentException("--certificate and --certificate-key go together: give the PEM certificate and its private key.");
        if (options.CertificatePath is not null && !options.Https)
            throw new ArgumentException($"--certificate is for HTTPS, which the server serves on a non-loopback --listen address only; {options.Listen} is loopback (plain HTTP).");
        return options;
    }

    /// <summary>HOST:PORT with an IPv4 or bracketed IPv6 address, or <c>localhost:PORT</c>.</summary>
    public static IPEndPoint ParseEndPoint(string text)
    {
        var value = text.StartsWith("localhost:", StringComparison.OrdinalIgnoreCase) ? "127.0.0.1" + text[9..] : text;
        if (!IPEndPoint.TryParse(value, out var endPoint) || endPoint.Port == 0)
            throw new ArgumentException($"--listen '{text}' is not an address and port such as 127.0.0.1:8707.");
        return endPoint;
    }

    private static int ParsePort(string name, string text, bool allowZero)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > IPEndPoint.MaxPort || (port == 0 && !allowZero))
            throw new ArgumentException($"{name} '{text}' is not a port number (0 to 65535).");
        return port;
    }

    private static Uri ParsePublicUrl(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme is "http" or "https" && string.IsNullOrEmpty(url.Query) && string.IsNullOrEmpty(url.UserInfo)
            ? url
            : throw new ArgumentException($"--public-url '{text}' is not the console's address such as https://lifeboat.example:8707/.");

    private static LogFormat ParseLogFormat(string text) => text switch
    {
        "text" => LogFormat.Text,
        "json" => LogFormat.Json,
        _ => throw new ArgumentException($"--log-format '{text}' is not a log format; give text or json."),
    };

    private static int ParseCount(string name, string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count is >= 1 and <= 256
            ? count
            : throw new ArgumentException($"{name} '{text}' is not a number from 1 to 256.");

    private static int ParseMegabytes(string name, string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var megabytes) && megabytes is >= 256 and <= 1 << 20
            ? megabytes
            : throw new ArgumentException($"{name} '{text}' is not a number of MiB from 256 to 1048576.");

    private static int ParsePercent(string name, string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var percent) && percent is >= 1 and <= 100
            ? percent
            : throw new ArgumentException($"{name} '{text}' is not a percentage from 1 to 100.");

    private static TimeSpan ParseGrace(string name, string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds is >= 0 and <= 7 * 86_400
            ? TimeSpan.FromSeconds(seconds)
            : throw new ArgumentException($"{name} '{text}' is not a number of seconds from 0 to 604800.");

    private static TimeSpan ParseSeconds(string name, string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds is >= 1 and <= 86_400
            ? TimeSpan.FromSeconds(seconds)
            : throw new ArgumentException($"{name} '{text}' is not a number of seconds from 1 to 86400.");

    private static long ParseBytes(string name, string text)
    {
        var span = text.AsSpan().Trim();
        long multiplier = 1;
        if (span.Length > 0 && char.ToUpperInvariant(span[^1]) is 'K' or 'M' or 'G' or 'T')
        {
            multiplier = char.ToUpperInvariant(span[^1]) switch { 'K' => 1L << 10, 'M' => 1L << 20, 'G' => 1L << 30, _ => 1L << 40 };
            span = span[..^1];
        }

        if (!long.TryParse(span, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value > long.MaxValue / multiplier)
            throw new ArgumentException($"{name} '{text}' is not a size such as 1G, 512M or 1048576.");
        return value * multiplier;
    }
}
