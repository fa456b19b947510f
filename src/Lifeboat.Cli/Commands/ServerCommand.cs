using System.CommandLine;
using System.CommandLine.Parsing;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Lifeboat.Server.CommandLine;

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
        var command = new Command("server", "Run the Lifeboat server: REST API, mount server, instant recovery sessions (Ctrl+C stops it; VMs keep running).");
        new ServerCommandLine().AddTo(command);
        CommandRunner.SetAction(command, async (parse, console, cancellationToken) =>
        {
            var arguments = new List<string> { FindServer() };
            arguments.AddRange(ServerWords(parse));
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

    /// <summary>
    /// The words given after `server`, as they came, for the server to parse with the same <see cref="ServerCommandLine"/>:
    /// all but the CLI's own --json. Relative paths stay relative: the server starts in the same working folder.
    /// </summary>
    private static IEnumerable<string> ServerWords(ParseResult parse)
    {
        var json = parse.GetResult(GlobalOptions.Json);
        var own = new HashSet<Token>(json is null ? [] : json.Tokens.Append(json.IdentifierToken).OfType<Token>(), ReferenceEqualityComparer.Instance);
        return parse.Tokens.SkipWhile(t => t.Type != TokenType.Command || t.Value != "server").Skip(1)
            .Where(t => !own.Contains(t)).Select(t => t.Value);
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
