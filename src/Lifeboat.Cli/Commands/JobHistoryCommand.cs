using System.CommandLine;
using Lifeboat.Cli.Output;
using Spectre.Console;

namespace Lifeboat.Cli.Commands;

/// <summary>`lifeboat job history NAME`: a job's runs, newest first.</summary>
internal static class JobHistoryCommand
{
    public static Command Create()
    {
        var name = JobCommand.NameArgument();
        var limit = new Option<int?>("--limit") { Description = "Show only the newest N runs (default 100)." };
        var command = new Command("history", "A job's runs, newest first: start, duration, outcome, bytes read and stored, consistency, change tracking, error.")
        {
            name, limit,
        };
        CommandRunner.SetAction(command, async (parse, console, ct) =>
        {
            var jobName = parse.GetValue(name)!;
            using var client = new ServerClient();
            var runs = await client.GetJobHistoryAsync(jobName, parse.GetValue(limit), ct);
            if (console.Json)
            {
                console.WriteJson(runs, ContractsJsonContext.Default.ListJobRunView);
                return ExitCodes.Ok;
            }

            if (runs.Count == 0)
            {
                console.Line($"Job {Markup.Escape(jobName)} has not run yet; run it now with `lifeboat job run {Markup.Escape(jobName)}`.");
                return ExitCodes.Ok;
            }

            var table = new CliTable()
                .Column("Run", CliTable.Kind.Key, keep: 9).Column("Started", CliTable.Kind.Key, keep: 8).Column("Seconds", CliTable.Kind.Number, keep: 4)
                .Column("Outcome", CliTable.Kind.Key, keep: 7).Column("Read", CliTable.Kind.Number, keep: 2).Column("Stored", CliTable.Kind.Number, keep: 3)
                .Column("Consistency", keep: 1).Column("Change tracking", keep: 0).Column("Details", keep: 6);
            foreach (var run in runs)
            {
                var details = run.Error ?? run.Retention ?? "";
                if (run.Verification is { } verification)
                    details += (details.Length > 0 ? "; " : "") + "verification " + verification;
                if (run.RetryAt is { } retry)
                    details += $" (tried again at {JobText.Time(retry)})";
                table.Row(
                    $"{run.Id} #{run.Attempt} {run.Trigger.ToString().ToLowerInvariant()}",
                    JobText.Time(run.StartedAt),
                    SessionFollower.Seconds(run.DurationSeconds),
                    JobText.Outcome(run.Outcome),
                    JobText.Bytes(run.BytesRead),
                    JobText.Bytes(run.BytesStored),
                    Markup.Escape(run.Consistency ?? "-"),
                    Markup.Escape(run.ChangeTracking ?? "-"),
                    Markup.Escape(details));
            }

            table.WriteTo(console);
            return ExitCodes.Ok;
        });
        return command;
    }
}
