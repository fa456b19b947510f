using System.CommandLine;
using System.Globalization;
using Lifeboat.Cli.Output;
using Lifeboat.Server.Contracts.Repositories;
using Spectre.Console;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// The server's repositories: `lifeboat repo list`, `repo add PATH`, `repo check PATH`, `repo unregister PATH`. Beside
/// them `repo init` and `repo info` act on a folder of this machine without the server.
/// </summary>
internal static class ServerRepoCommands
{
    public static Command CreateList()
    {
        var command = new Command("list", "List the repositories registered with the Lifeboat server: contents, size, and the room on their file systems.");
        CommandRunner.SetAction(command, async (_, console, ct) =>
        {
            using var client = new ServerClient();
            var repositories = await client.ListRepositoriesAsync(ct);
            if (console.Json)
            {
                console.WriteJson(repositories, ContractsJsonContext.Default.ListRepositoryView);
                return ExitCodes.Ok;
            }

            var table = new CliTable()
                .Column("Folder", CliTable.Kind.Key, keep: 9).Column("Default", keep: 3).Column("VMs", CliTable.Kind.Number, keep: 5)
                .Column("Points", CliTable.Kind.Number, keep: 6).Column("Size", CliTable.Kind.Number, keep: 2).Column("Stored", CliTable.Kind.Number, keep: 7)
                .Column("Dedup", CliTable.Kind.Number, keep: 1).Column("Used / free", CliTable.Kind.Number, keep: 8).Column("Problem", keep: 4);
            foreach (var r in repositories)
            {
                table.Row(
                    Markup.Escape(r.Path),
                    r.IsDefault ? "yes" : "",
                    r.Vms.ToString(CultureInfo.InvariantCulture),
                    r.RestorePoints.ToString(CultureInfo.InvariantCulture),
                    Sizes.Format(r.VmBytes),
                    Sizes.Format(r.StoredBytes),
                    r.DedupFactor is { } factor ? factor.ToString("0.0", CultureInfo.InvariantCulture) + "x" : "",
                    r.FileSystemUsedBytes is { } used && r.FileSystemFreeBytes is { } free ? $"{Sizes.Format(used)} / {Sizes.Format(free)}" : "",
                    r.Problem is { } problem ? $"[red]{Markup.Escape(problem)}[/]" : "");
            }

            table.WriteTo(console);
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command CreateAdd()
    {
        var path = new Argument<string>("PATH") { Description = "The repository folder on the server's machine." };
        var command = new Command("add", "Register an existing repository with the Lifeboat server (an encrypted one opens with the server's LIFEBOAT_PASSWORD).") { path };
        CommandRunner.SetAction(command, async (parse, console, ct) =>
        {
            using var client = new ServerClient();
            var repository = await client.AddRepositoryAsync(Path.GetFullPath(parse.GetValue(path)!), ct);
            if (console.Json)
                console.WriteJson(repository, ContractsJsonContext.Default.RepositoryView);
            else
                console.Line($"Registered [bold]{Markup.Escape(repository.Path)}[/] with the server at {client.BaseAddress}: {repository.RestorePoints} restore point(s) of {repository.Vms} VM(s).");
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command CreateCheck()
    {
        var path = new Argument<string>("PATH") { Description = "A repository registered with the server, as `lifeboat repo list` shows it." };
        var deep = new Option<bool>("--deep")
        {
            Description = "Then read and check every chunk from this machine, with progress (the folder must be reachable here; as `lifeboat verify --repo PATH`).",
        };
        var command = new Command("check",
            "Check a registered repository on the server in seconds: it opens, every manifest reads, every chunk is indexed in a pack that is there.")
        {
            path, deep,
        };
        CommandRunner.SetAction(command, async (parse, console, ct) =>
        {
            var folder = Path.GetFullPath(parse.GetValue(path)!);
            using var client = new ServerClient();
            var check = await client.CheckRepositoryAsync(folder, ct);
            if (console.Json)
            {
                console.WriteJson(check, ContractsJsonContext.Default.RepositoryCheckView);
            }
            else
            {
                foreach (var problem in check.Problems)
                    console.Line($"[red]Problem[/]: {Markup.Escape(problem)}");
                var figures = $"{check.RestorePoints} restore point(s), {check.Chunks.ToString("N0", CultureInfo.InvariantCulture)} chunks in {check.Packs} pack(s), {Sizes.Format(check.StoredBytes)} stored; "
                    + $"checked in {check.Seconds.ToString("0.00", CultureInfo.InvariantCulture)} s";
                console.Line(check.Ok
                    ? $"[green]OK[/]: [bold]{Markup.Escape(check.Path)}[/]: {figures}."
                    : $"[red]{check.Problems.Count} problem(s)[/] in [bold]{Markup.Escape(check.Path)}[/]: {figures}.");
            }

            if (!check.Ok)
                return ExitCodes.DamageFound;
            return parse.GetValue(deep) ? await ReadEveryChunkAsync(folder, console, ct) : ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The deep check: every chunk read, decrypted and hashed here, as `lifeboat verify --repo` does.</summary>
    private static async Task<int> ReadEveryChunkAsync(string folder, CliConsole console, CancellationToken ct)
    {
        using var repository = RepositoryOpener.Open(folder);
        var report = await console.WithProgressAsync("Reading every chunk", sink =>
            repository.VerifyAsync(null, new ChunkProgress(sink), ct), bytes: false);
        if (!console.Json)
        {
            console.Line(report.Ok
                ? $"[green]OK[/]: every chunk read and checked ({report.ChunksChecked.ToString("N0", CultureInfo.InvariantCulture)} chunks, {Sizes.Format(report.BytesChecked)})."
                : $"[red]{report.BadChunks.Count} damaged chunk(s) and {report.DamagedFiles.Count} damaged file(s)[/]; `lifeboat verify --repo {Markup.Escape(folder)}` names what each affects.");
        }

        return report.Ok ? ExitCodes.Ok : ExitCodes.DamageFound;
    }

    private sealed class ChunkProgress(TransferProgressSink sink) : IProgress<Lifeboat.Repository.VerifyProgress>
    {
        public void Report(Lifeboat.Repository.VerifyProgress value) => sink.Report(value.ChunksChecked, value.TotalChunks);
    }

    public static Command CreateUnregister()
    {
        var path = new Argument<string>("PATH") { Description = "A repository registered with the server, as `lifeboat repo list` shows it." };
        var command = new Command("unregister", "Take a repository off the server's list; its files stay where they are.") { path };
        CommandRunner.SetAction(command, async (parse, console, ct) =>
        {
            var folder = Path.GetFullPath(parse.GetValue(path)!);
            using var client = new ServerClient();
            await client.UnregisterRepositoryAsync(folder, ct);
            if (console.Json)
                console.WriteJson(new RepositoryUnregisteredJson(folder), ServerApiJsonContext.Default.RepositoryUnregisteredJson);
            else
                console.Line($"Unregistered [bold]{Markup.Escape(folder)}[/]; its files stay (register it again with `lifeboat repo add {Markup.Escape(folder)}`).");
            return ExitCodes.Ok;
        });
        return command;
    }
}
