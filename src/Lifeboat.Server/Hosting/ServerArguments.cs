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
        var defaults = new ServerOptions { DataDirectory = FullPath(result.GetValue(line.Data)) ?? DataFolder.Default };
        return defaults with
        {
            Listen = result.GetValue(line.Listen) ?? defaults.Listen,
            CertificatePath = FullPath(result.GetValue(line.Certificate)),
            CertificateKeyPath = FullPath(result.GetValue(line.CertificateKey)),
            NfsPort = result.GetValue(line.NfsPort),
            NbdPort = result.GetValue(line.NbdPort),
            PortmapPort = result.GetValue(line.PortmapPort) ?? defaults.PortmapPort,
            ControlSocketPath = FullPath(result.GetValue(line.ControlSocket)),
            CacheReserveBytes = result.GetValue(line.CacheReserve) ?? defaults.CacheReserveBytes,
            MaxVerifications = result.GetValue(line.MaxVerifications) ?? defaults.MaxVerifications,
            FileRestoreIdleTimeout = result.GetValue(line.FileRestoreIdle) ?? defaults.FileRestoreIdleTimeout,
            FileRestoreMemoryMegabytes = result.GetValue(line.FileRestoreMemory) ?? defaults.FileRestoreMemoryMegabytes,
            RepositoryFullPercent = result.GetValue(line.RepositoryFullPercent) ?? defaults.RepositoryFullPercent,
            OverdueGrace = result.GetValue(line.OverdueGrace),
            QemuBinary = result.GetValue(line.Qemu) ?? defaults.QemuBinary,
            LogFormat = result.GetValue(line.LogFormat) == ServerCommandLine.LogJson ? LogFormat.Json : LogFormat.Text,
            PublicUrl = result.GetValue(line.PublicUrl),
        };
    }

    private static string? FullPath(string? path) => path is null ? null : Path.GetFullPath(path);
}
