using System.CommandLine;
using Lifeboat.Server.CommandLine;

namespace Lifeboat.Server.Hosting;

/// <summary>The server's command line (<see cref="ServerCommandLine"/>, the one `lifeboat server` shows) read into its options.</summary>
public static class ServerArguments
{
    public const string Description = "The Lifeboat server: REST API, web console, mount server, instant recovery sessions.";

    /// <exception cref="ArgumentException">An option is unknown, given without its value, or its value is not valid.</exception>
    public static ServerOptions Parse(IReadOnlyList<string> args)
    {
        var line = new ServerCommandLine();
        var result = line.Root(Description).Parse(args);
        if (result.Errors.Count > 0)
            throw new ArgumentException(result.Errors[0].Message);
        return From(line, result);
    }

    /// <summary>The options <paramref name="result"/> holds, the server's defaults for those not given.</summary>
    public static ServerOptions From(ServerCommandLine line, ParseResult result)
    {
        ArgumentNullException.ThrowIfNull(line);
        ArgumentNullException.ThrowIfNull(result);
        var options = new ServerOptions { DataDirectory = FullPath(result.GetValue(line.Data)) ?? DataFolder.Default };
        if (result.GetValue(line.Listen) is { } listen)
            options = options with { Listen = listen };
        if (result.GetValue(line.PortmapPort) is { } portmap)
            options = options with { PortmapPort = portmap };
        if (result.GetValue(line.CacheReserve) is { } reserve)
            options = options with { CacheReserveBytes = reserve };
        if (result.GetValue(line.MaxVerifications) is { } verifications)
            options = options with { MaxVerifications = verifications };
        if (result.GetValue(line.FileRestoreIdle) is { } idle)
            options = options with { FileRestoreIdleTimeout = idle };
        if (result.GetValue(line.FileRestoreMemory) is { } memory)
            options = options with { FileRestoreMemoryMegabytes = memory };
        if (result.GetValue(line.RepositoryFullPercent) is { } full)
            options = options with { RepositoryFullPercent = full };
        if (result.GetValue(line.Qemu) is { } qemu)
            options = options with { QemuBinary = qemu };
        return options with
        {
            CertificatePath = FullPath(result.GetValue(line.Certificate)),
            CertificateKeyPath = FullPath(result.GetValue(line.CertificateKey)),
            NfsPort = result.GetValue(line.NfsPort),
            NbdPort = result.GetValue(line.NbdPort),
            ControlSocketPath = FullPath(result.GetValue(line.ControlSocket)),
            OverdueGrace = result.GetValue(line.OverdueGrace),
            PublicUrl = result.GetValue(line.PublicUrl),
            LogFormat = result.GetValue(line.LogFormat) == ServerCommandLine.LogJson ? LogFormat.Json : LogFormat.Text,
        };
    }

    private static string? FullPath(string? path) => path is null ? null : Path.GetFullPath(path);
}
