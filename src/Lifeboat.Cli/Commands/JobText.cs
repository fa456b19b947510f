using System.Globalization;
using Lifeboat.Cli.Output;
using Lifeboat.Server.Contracts.Jobs;
using Spectre.Console;

namespace Lifeboat.Cli.Commands;

/// <summary>How jobs and their runs read in tables and lines.</summary>
internal static class JobText
{
    public static string Time(DateTimeOffset? time) => CliTime.Format(time);

    public static string Outcome(JobRunOutcome outcome) => outcome switch
    {
        JobRunOutcome.Succeeded => "[green]succeeded[/]",
        JobRunOutcome.Failed => "[red]failed[/]",
        JobRunOutcome.Interrupted => "[yellow]interrupted[/]",
        _ => "[yellow]running[/]",
    };

    public static string Bytes(long? bytes) => bytes is { } b ? Sizes.Format(b) : "-";

    /// <summary>"succeeded: restore point 1a2b… (1.2 GiB read, 30 MiB stored, crash-consistent) in 12.3 s".</summary>
    public static string Summary(JobRunView run)
    {
        var seconds = SessionFollower.Seconds(run.DurationSeconds);
        var text = run.Outcome == JobRunOutcome.Succeeded
            ? $"{Outcome(run.Outcome)}: restore point [bold]{Markup.Escape(run.RestorePointId ?? "-")}[/] " +
              $"({Bytes(run.BytesRead)} read, {Bytes(run.BytesStored)} stored, {Markup.Escape(run.Consistency ?? "-")}) in {seconds}"
            : $"{Outcome(run.Outcome)} in {seconds}: {Markup.Escape(run.Error ?? "-")}";
        if (run.RetryAt is { } retry)
            text += $"; tried again at {Time(retry)}";
        return text;
    }
}
