using System.CommandLine;

namespace Lifeboat.Cli.Commands;

/// <summary>`lifeboat files find VM@RP PATTERN`: entries whose name matches a shell pattern.</summary>
internal static class FilesFindCommand
{
    public static Command Create()
    {
        var target = FilesCommand.TargetArgument();
        var pattern = new Argument<string>("NAME-PATTERN") { Description = "A shell pattern matched against names, e.g. '*.conf' (quote it)." };
        var under = new Option<string?>("--under") { HelpName = "FS:/PATH", Description = "Search only under this folder; every browsable file system by default." };
        var limit = new Option<int>("--limit") { DefaultValueFactory = _ => 1000, Description = "Stop after this many matches (at most 10000)." };
        var session = FilesCommand.SessionOption();
        var command = new Command("find", "Find files by name in a restore point's file systems.") { target, pattern, under, limit, session };
        CommandRunner.SetAction(command, async (parse, console, ct) =>
        {
            var max = parse.GetValue(limit);
            if (max is < 1 or > 10_000)
                throw new CliException($"--limit {max} is not from 1 to 10000.");
            await using var files = await FilesSession.OpenAsync(parse.GetValue(target)!, parse.GetValue(session), ct);
            var found = await files.Client.FindAsync(files.Id, parse.GetValue(pattern)!, parse.GetValue(under), max, ct);
            if (console.Json)
            {
                console.WriteJson(found, ContractsJsonContext.Default.ListGuestEntryView);
                return ExitCodes.Ok;
            }

            foreach (var entry in found)
                Console.Out.WriteLine(FilesCommand.Line(entry, entry.Path));
            if (found.Count == max)
                Console.Error.WriteLine($"Stopped at {max} matches; narrow the pattern or --under, or raise --limit.");
            return ExitCodes.Ok;
        });
        return command;
    }
}
