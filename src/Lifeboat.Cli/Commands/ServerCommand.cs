using System.CommandLine;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Lifeboat.Cli.Output;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// `lifeboat server`: runs the Lifeboat server (REST API, mount server, sessions) in the foreground. The server is
/// its own program (lifeboat-server.dll, built next to the CLI or in ../server): the CLI itself never loads ASP.NET.
/// </summary>
internal static class ServerCommand
{
    public const string ServerDllVariable = "LIFEBOAT_SERVER_DLL";
    private const string ServerDll = "lifeboat-server.dll";

    public static Command Create()
    {
        var data = new Option<string?>("--data") { Description = "Where the server keeps its database, repository, caches and VM runtime files (default ~/.lifeboat)." };
        var listen = new Option<string?>("--listen") { Description = "Address and port of the REST API (default 127.0.0.1:8707); any non-loopback address serves HTTPS only." };
        var certificate = new Option<string?>("--certificate") { Description = "PEM certificate for HTTPS (default: one the server makes once and whose fingerprint it prints)." };
        var certificateKey = new Option<string?>("--certificate-key") { Description = "The PEM private key of --certificate." };
        var nfsPort = new Option<int?>("--nfs-port") { Description = "The mount server's MOUNT/NFS port (default: 2049 if free, then kept; 0 takes any free port)." };
        var nbdPort = new Option<int?>("--nbd-port") { Description = "The mount server's NBD port (default: 10809 if free, then kept; 0 takes any free port)." };
        var portmapPort = new Option<int?>("--portmap-port") { Description = "Where QEMU asks portmap for the mount server (default 111)." };
        var controlSocket = new Option<string?>("--control-socket") { HelpName = "PATH", Description = "Unix socket of the mount server's control program, for `lifeboat publications` (default: /run/lifeboat/server-HASH.sock, named in the log)." };
        var cacheReserve = new Option<string?>("--cache-reserve") { Description = "Free space a cache folder keeps for a new session (default 1G)." };
        var maxVerifications = new Option<int?>("--max-verifications") { Description = "Verifications that boot at once; the others queue (default: one per CPU)." };
        var fileRestoreIdle = new Option<int?>("--file-restore-idle") { HelpName = "SECONDS", Description = "Close a file-restore session unused this long (default 900)." };
        var fileRestoreMemory = new Option<int?>("--file-restore-memory") { HelpName = "MIB", Description = "Memory all file-restore appliances together may take; one more session is refused (default 4096)." };
        var repositoryFull = new Option<int?>("--repository-full-percent") { HelpName = "PERCENT", Description = "Report a repository nearly full when its file system is used beyond this (default 90)." };
        var overdueGrace = new Option<int?>("--overdue-grace") { HelpName = "SECONDS", Description = "How late a VM's restore point may be beyond its job's schedule before the VM is overdue (default 3600 for \"every\" schedules, 7200 for daily ones)." };
        var qemu = new Option<string?>("--qemu") { Description = "The QEMU binary (default qemu-system-x86_64)." };
        var logFormat = LogFormats.Option();
        var publicUrl = new Option<string?>("--public-url") { HelpName = "URL", Description = "The console's address as people reach it, for links in notifications (default: none)." };
        var command = new Command("server", "Run the Lifeboat server: REST API, mount server, instant recovery sessions (Ctrl+C stops it; VMs keep running).")
        {
            data, listen, certificate, certificateKey, nfsPort, nbdPort, portmapPort, controlSocket, cacheReserve, maxVerifications, fileRestoreIdle, fileRestoreMemory, repositoryFull, overdueGrace, qemu, logFormat, publicUrl,
        };
        command.Options.Add(repositoryFull);
        command.Options.Add(overdueGrace);
        CommandRunner.SetAction(command, async (parse, console, cancellationToken) =>
        {
            var arguments = new List<string> { FindServer() };
            void Add(string name, string? value)
            {
                if (value is not null)
                    arguments.AddRange([name, value]);
            }

            Add("--data", parse.GetValue(data) is { } folder ? Path.GetFullPath(folder) : null);
            Add("--listen", parse.GetValue(listen));
            Add("--certificate", parse.GetValue(certificate) is { } pem ? Path.GetFullPath(pem) : null);
            Add("--certificate-key", parse.GetValue(certificateKey) is { } keyPem ? Path.GetFullPath(keyPem) : null);
            Add("--nfs-port", parse.GetValue(nfsPort)?.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Add("--nbd-port", parse.GetValue(nbdPort)?.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Add("--portmap-port", parse.GetValue(portmapPort)?.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Add("--control-socket", parse.GetValue(controlSocket) is { } socket ? Path.GetFullPath(socket) : null);
            Add("--cache-reserve", parse.GetValue(cacheReserve));
            Add("--max-verifications", parse.GetValue(maxVerifications)?.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Add("--file-restore-idle", parse.GetValue(fileRestoreIdle)?.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Add("--file-restore-memory", parse.GetValue(fileRestoreMemory)?.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Add("--repository-full-percent", parse.GetValue(repositoryFull)?.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Add("--overdue-grace", parse.GetValue(overdueGrace)?.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Add("--qemu", parse.GetValue(qemu));
            Add("--log-format", parse.GetValue(logFormat));
            Add("--public-url", parse.GetValue(publicUrl));

            var start = new ProcessStartInfo(DotnetHost()) { UseShellExecute = false };
            foreach (var argument in arguments)
                start.ArgumentList.Add(argument);
            using var server = Process.Start(start) ?? throw new CliException("The Lifeboat server did not start; run `dotnet --info` to check the .NET runtime.");
            // The server stops cleanly on SIGTERM (its VMs keep running). A Ctrl+C on the terminal reaches it directly (same
            // process group); SIGINT/SIGTERM sent to the CLI alone cancel this verb's token and are passed on, and the CLI
            // stays until the server has exited.
            using var passOn = cancellationToken.Register(() => _ = SendSignal(server.Id, SigTerm));
            await server.WaitForExitAsync(CancellationToken.None);
            return server.ExitCode;
        });
        return command;
    }

    private const int SigTerm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int SendSignal(int processId, int signal);

    private static string FindServer()
    {
        var candidates = new[]
        {
            Environment.GetEnvironmentVariable(ServerDllVariable),
            Path.Combine(AppContext.BaseDirectory, ServerDll),
            Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "server", ServerDll)),
        };
        return candidates.FirstOrDefault(c => !string.IsNullOrEmpty(c) && File.Exists(c))
            ?? throw new CliException(
                $"The Lifeboat server ({ServerDll}) is not next to the CLI ({AppContext.BaseDirectory}); build it with `dotnet publish src/Lifeboat.Server -o .build/server`, or set {ServerDllVariable} to its path.");
    }

    private static string DotnetHost()
    {
        var host = Environment.ProcessPath;
        return host is not null && Path.GetFileNameWithoutExtension(host) == "dotnet" ? host : "dotnet";
    }
}
