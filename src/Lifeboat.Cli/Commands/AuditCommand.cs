using System.CommandLine;
using Lifeboat.Cli.Output;
using Spectre.Console;

namespace Lifeboat.Cli.Commands;

/// <summary>`lifeboat audit`: who changed what on the server, when and from where, newest first.</summary>
internal static class AuditCommand
{
    public static Command Create()
    {
        var limit = new Option<int>("--limit") { Description = "How many entries, newest first (default 50).", DefaultValueFactory = _ => 50 };
        var command = new Command("audit", "Show the server's audit log: logins, recoveries, migrations, stops, jobs, users and tokens.") { limit };
        CommandRunner.SetAction(command, async (parse, console, ct) =>
        {
            using var client = new ServerClient();
            var entries = await client.ListAuditAsync(parse.GetValue(limit), ct);
            if (console.Json)
            {
                console.WriteJson(entries, ContractsJsonContext.Default.ListAuditEntry);
                return ExitCodes.Ok;
            }

            var table = new CliTable()
                .Column("When", CliTable.Kind.Key, keep: 9).Column("Who", CliTable.Kind.Key, keep: 7).Column("From", CliTable.Kind.Key, keep: 2)
                .Column("Action", CliTable.Kind.Key, keep: 8).Column("Target", keep: 6).Column("Outcome", keep: 5);
            foreach (var entry in entries)
            {
                table.Row(JobText.Time(entry.At), Markup.Escape(entry.Who), Markup.Escape(entry.From ?? "-"), Markup.Escape(entry.Action),
                    Markup.Escape(entry.Target), entry.Outcome == "ok" ? "[green]ok[/]" : $"[red]{Markup.Escape(entry.Outcome)}[/]");
            }

            table.WriteTo(console);
            return ExitCodes.Ok;
        });
        return command;
    }
}
