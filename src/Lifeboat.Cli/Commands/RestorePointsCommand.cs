using System.CommandLine;
using Lifeboat.Cli.Output;
using Lifeboat.Server.Contracts.RestorePoints;
using Spectre.Console;

namespace Lifeboat.Cli.Commands;

internal static class RestorePointsCommand
{
    public static Command Create()
    {
        var repo = GlobalOptions.Repository();
        var vm = new Option<string?>("--vm") { Description = "Only this VM's restore points." };
        var command = new Command("restore-points", "List a repository's restore points, oldest first; delete, protect or unprotect one through the server.") { repo, vm };
        command.Subcommands.Add(RestorePointCommands.CreateDelete());
        command.Subcommands.Add(RestorePointCommands.CreateSetProtected(protect: true));
        command.Subcommands.Add(RestorePointCommands.CreateSetProtected(protect: false));
        CommandRunner.SetAction(command, async (parse, console, ct) =>
        {
            using var repository = RepositoryOpener.Open(parse.GetValue(repo)!);
            var points = repository.ListRestorePoints(parse.GetValue(vm));
            var verified = await VerifiedAsync(parse.GetValue(vm), ct);
            if (console.Json)
            {
                console.WriteJson(points.Select(p => RestorePointJson.From(p) with { Verified = verified?.GetValueOrDefault(p.Id) }).ToList(), CliJsonContext.Default.ListRestorePointJson);
                return ExitCodes.Ok;
            }
            if (points.Count == 0)
            {
                console.Line("No restore points.");
                return ExitCodes.Ok;
            }
            var table = new CliTable()
                .Column("ID", CliTable.Kind.Key, keep: 9).Column("VM", CliTable.Kind.Key, keep: 8).Column("Time", CliTable.Kind.Key, keep: 7)
                .Column("Type", CliTable.Kind.Key, keep: 6).Column("Consistency", CliTable.Kind.Key, keep: 3).Column("Protected", CliTable.Kind.Key, keep: 7)
                .Column("Disks", CliTable.Kind.Number, keep: 0).Column("Size", CliTable.Kind.Number, keep: 4)
                .Column("Stored", CliTable.Kind.Number, keep: 2).Column("Parent", CliTable.Kind.Key, keep: 0).Column("Verified", keep: 5);
            foreach (var rp in points)
            {
                table.Row(
                    Markup.Escape(rp.Id),
                    Markup.Escape(rp.Vm),
                    CliTime.Format(rp.Time, seconds: true),
                    RestorePointText.ShortType(rp.Incremental, rp.ChangeTracked),
                    RestorePointText.Consistency(rp.Consistency?.Kind),
                    rp.Protected ? "[bold]protected[/]" : "-",
                    rp.Disks.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    Sizes.Format(rp.LogicalBytes),
                    Sizes.Format(rp.StoredBytes),
                    Markup.Escape(rp.ParentId ?? "-"),
                    verified is null ? "[grey]no server[/]" : verified.TryGetValue(rp.Id, out var v)
                        ? (v.Passed ? "[green]" : "[red]") + Markup.Escape(v.Summary) + "[/]"
                        : "-");
            }
            table.WriteTo(console);
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>
    /// The newest boot verification of each restore point, from the server at LIFEBOAT_SERVER; null when no server
    /// answers (the listing itself needs none, so it does not wait long for one).
    /// </summary>
    private static async Task<Dictionary<string, VerifiedJson>?> VerifiedAsync(string? vm, CancellationToken ct)
    {
        try
        {
            using var client = new ServerClient(timeout: TimeSpan.FromSeconds(3));
            var verifications = await client.ListVerificationsAsync(vm, ct);
            return verifications
                .Where(v => v.Outcome is not null && v.RestorePointId is not null)
                .GroupBy(v => v.RestorePointId!, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.OrderByDescending(v => v.Outcome!.VerifiedAt).Select(v =>
                    new VerifiedJson(v.Outcome!.Passed, v.Outcome.Summary, v.Outcome.RecoverySeconds, v.Outcome.VerifiedAt, v.SessionId)).First(), StringComparer.Ordinal);
        }
        catch (CliException)
        {
            return null;
        }
    }
}
