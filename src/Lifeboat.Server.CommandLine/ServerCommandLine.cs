using System.CommandLine;
using System.CommandLine.Parsing;
using System.Net;
using Lifeboat.Hypervisors.Qemu;
using Lifeboat.Nbd.Server;
using Lifeboat.Nfs.Server;
using Lifeboat.Server.Contracts.Hosting;

namespace Lifeboat.Server.CommandLine;

/// <summary>
/// The server's options, declared once: lifeboat-server parses its arguments with them, and `lifeboat server` lists
/// them in its help and hands its words to the server untouched. Every value is checked as it is parsed; a wrong one
/// is refused in one sentence that names its option. An option not given reads as null: the server's defaults apply.
/// </summary>
public sealed class ServerCommandLine
{
    public const string LogText = "text";
    public const string LogJson = "json";

    public Option<string?> Data { get; } = new("--data")
    {
        HelpName = "DIR",
        Description = "Where the server keeps its database, repository, caches and VM runtime files (default ~/.lifeboat).",
    };

    public Option<IPEndPoint?> Listen { get; } = new("--listen")
    {
        HelpName = "HOST:PORT",
        Description = $"Address and port of the REST API (default 127.0.0.1:{RestApi.DefaultPort}); any non-loopback address serves HTTPS only.",
        CustomParser = r => ServerOptionValues.Checked(r, ServerOptionValues.EndPoint),
    };

    public Option<string?> Certificate { get; } = new("--certificate")
    {
        HelpName = "PEM",
        Description = "PEM certificate for HTTPS (default: one the server makes once and whose fingerprint it prints).",
    };

    public Option<string?> CertificateKey { get; } = new("--certificate-key") { HelpName = "PEM", Description = "The PEM private key of --certificate." };

    public Option<int?> NfsPort { get; } = new("--nfs-port")
    {
        HelpName = "PORT",
        Description = $"The mount server's MOUNT/NFS port (default: {NfsServerOptions.DefaultPort} if free, then kept; 0 takes any free port).",
        CustomParser = r => ServerOptionValues.Checked(r, ServerOptionValues.Port),
    };

    public Option<int?> NbdPort { get; } = new("--nbd-port")
    {
        HelpName = "PORT",
        Description = $"The mount server's NBD port (default: {NbdServerOptions.DefaultPort} if free, then kept; 0 takes any free port).",
        CustomParser = r => ServerOptionValues.Checked(r, ServerOptionValues.Port),
    };

    public Option<int?> PortmapPort { get; } = new("--portmap-port")
    {
        HelpName = "PORT",
        Description = $"Where QEMU asks portmap for the mount server (default {NfsServerOptions.DefaultPortmapPort}).",
        CustomParser = r => ServerOptionValues.Checked(r, ServerOptionValues.Port),
    };

    public Option<string?> ControlSocket { get; } = new("--control-socket")
    {
        HelpName = "PATH",
        Description = "Unix socket of the mount server's control program, where publications are listed and made (default: /run/lifeboat/server-HASH.sock, named in the log).",
    };

    public Option<long?> CacheReserve { get; } = new("--cache-reserve")
    {
        HelpName = "SIZE",
        Description = "Free space a cache folder keeps for a new session (default 1G).",
        CustomParser = r => ServerOptionValues.Checked(r, ServerOptionValues.Bytes),
    };

    public Option<int?> MaxVerifications { get; } = new("--max-verifications")
    {
        HelpName = "N",
        Description = "Verifications that boot at once; the others queue (default: one per CPU).",
        CustomParser = r => ServerOptionValues.Checked(r, ServerOptionValues.Count),
    };

    public Option<TimeSpan?> FileRestoreIdle { get; } = new("--file-restore-idle")
    {
        HelpName = "SECONDS",
        Description = "Close a file-restore session unused this long (default 900).",
        CustomParser = r => ServerOptionValues.Checked(r, ServerOptionValues.IdleSeconds),
    };

    public Option<int?> FileRestoreMemory { get; } = new("--file-restore-memory")
    {
        HelpName = "MIB",
        Description = "Memory all file-restore appliances together may take; one more session is refused (default 4096).",
        CustomParser = r => ServerOptionValues.Checked(r, ServerOptionValues.Megabytes),
    };

    public Option<int?> RepositoryFullPercent { get; } = new("--repository-full-percent")
    {
        HelpName = "PERCENT",
        Description = "Report a repository nearly full when its file system is used beyond this (default 90).",
        CustomParser = r => ServerOptionValues.Checked(r, ServerOptionValues.Percent),
    };

    public Option<TimeSpan?> OverdueGrace { get; } = new("--overdue-grace")
    {
        HelpName = "SECONDS",
        Description = "How late a VM's restore point may be beyond its job's schedule before the VM is overdue (default 3600 for \"every\" schedules, 7200 for daily ones).",
        CustomParser = r => ServerOptionValues.Checked(r, ServerOptionValues.GraceSeconds),
    };

    public Option<string?> Qemu { get; } = new("--qemu") { HelpName = "PATH", Description = $"The QEMU binary (default {QemuAccelerator.DefaultQemuBinary})." };

    public Option<string?> LogFormat { get; } = new("--log-format")
    {
        HelpName = $"{LogText}|{LogJson}",
        Description = $"How log lines are written: {LogText}, or {LogJson} (one object per line, UTC timestamps).",
        CustomParser = r => ServerOptionValues.Checked(r, ServerOptionValues.LogFormat),
    };

    public Option<Uri?> PublicUrl { get; } = new("--public-url")
    {
        HelpName = "URL",
        Description = "The console's address as people reach it, for links in notifications (default: none).",
        CustomParser = r => ServerOptionValues.Checked(r, ServerOptionValues.PublicUrl),
    };

    /// <summary>Every option, in the order help lists them.</summary>
    public IReadOnlyList<Option> All =>
    [
        Data, Listen, Certificate, CertificateKey, NfsPort, NbdPort, PortmapPort, ControlSocket, CacheReserve, MaxVerifications,
        FileRestoreIdle, FileRestoreMemory, RepositoryFullPercent, OverdueGrace, Qemu, LogFormat, PublicUrl,
    ];

    /// <summary>Adds every option to <paramref name="command"/>, and the checks of options that go together.</summary>
    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        foreach (var option in All)
            command.Options.Add(option);
        command.Validators.Add(CheckCertificate);
    }

    /// <summary>The server's own root command (lifeboat-server), holding every option.</summary>
    public RootCommand Root(string description)
    {
        var root = new RootCommand(description);
        AddTo(root);
        return root;
    }

    private void CheckCertificate(CommandResult result)
    {
        var certificate = result.GetValue(Certificate);
        var key = result.GetValue(CertificateKey);
        if (certificate is null && key is null)
            return;
        if (certificate is null || key is null)
        {
            result.AddError($"{Certificate.Name} and {CertificateKey.Name} go together: give the PEM certificate and its private key.");
            return;
        }

        if (ListenOrDefault(result) is { } listen && IPAddress.IsLoopback(listen.Address))
            result.AddError($"{Certificate.Name} is for HTTPS, which the server serves on a non-loopback {Listen.Name} address only; {listen} is loopback (plain HTTP).");
    }

    /// <summary>The address given, the default when none was, or null when the one given is refused (its own error says why).</summary>
    private IPEndPoint? ListenOrDefault(CommandResult result)
    {
        if (result.GetResult(Listen) is not { } given)
            return new IPEndPoint(IPAddress.Loopback, RestApi.DefaultPort);
        try
        {
            return given.GetValueOrDefault<IPEndPoint?>();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }
}
