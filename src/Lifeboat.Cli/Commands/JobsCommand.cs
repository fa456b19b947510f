using System.CommandLine;
using Lifeboat.Cli.Output;
using Spectre.Console;

namespace Lifeboat.Cli.Commands;

/// <summary>`lifeboat jobs`: the server's backup jobs with their schedules, next runs and last runs.</summary>
internal static class JobsCommand
{
    public static Command Create()
    {
        var command = new Command("jobs", "List the server's backup jobs: source, schedule, next run, last run and how it ended.");
        CommandRunner.SetAction(command, async (_, console, ct) =>
        {
            using var client = new ServerClient();
            var jobs = await client.ListJobsAsync(ct);
            if (console.Json)
            {
                console.WriteJson(jobs, ContractsJsonContext.Default.ListJobView);
                return ExitCodes.Ok;
            }

            if (jobs.Count == 0)
            {
                console.Line("No jobs yet; add one with `lifeboat job add NAME --vm VM --disk PATH --schedule \"daily 02:00\" --keep-last 7`.");
                return ExitCodes.Ok;
            }

            var table = new CliTable()
                .Column("Job", CliTable.Kind.Key, keep: 9).Column("VM", CliTable.Kind.Key, keep: 6).Column("Source", keep: 1)
                .Column("Schedule", CliTable.Kind.Key, keep: 5).Column("Keep", CliTable.Kind.Number, keep: 2)
                .Column("Next run", CliTable.Kind.Key, keep: 8).Column("Last run", CliTable.Kind.Key, keep: 3).Column("Outcome", CliTable.Kind.Key, keep: 7);
            foreach (var job in jobs)
            {
                var last = job.LastRun;
                table.Row(
                    Markup.Escape(job.Spec.Name),
                    Markup.Escape(job.Spec.Vm),
                    Markup.Escape(job.SourceDescription),
                    Markup.Escape($"{job.Spec.Schedule} {job.ScheduleZone}"),
                    job.Spec.KeepLast.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    !job.Spec.Enabled ? "[grey]disabled[/]"
                        : job.RetryAt is { } retry && retry < job.NextRunAt ? $"{JobText.Time(retry)} (retry)" : JobText.Time(job.NextRunAt),
                    job.Running ? "[yellow]now[/]" : JobText.Time(last?.StartedAt),
                    last is null ? "-" : JobText.Outcome(last.Outcome));
            }

            table.WriteTo(console);
            return ExitCodes.Ok;
        });
        return command;
    }
}
