using System.Globalization;
using Lifeboat.Cli.Output;
using Lifeboat.Server.Contracts.Dashboard;
using Spectre.Console;

namespace Lifeboat.Cli.Commands;

/// <summary>How `lifeboat status` writes the dashboard for people: a line per figure, a small table per list.</summary>
internal static class StatusText
{
    public static void Write(CliConsole console, DashboardView view)
    {
        console.Line($"[bold]Jobs[/]  last 24 h: {Counts(view.Last24Hours)}");
        console.Line($"      last 7 days: {Counts(view.Last7Days)}");
        console.Line($"[bold]Running now[/]  {view.RunningBackups.Count} backups, {view.RunningVerifications.Count} verifications, {view.RunningSessions.Count} recoveries");
        WriteOverdue(console, view.OverdueVms);
        WriteRepositories(console, view.Repositories);
        WriteRunning(console, view);
        WriteFailures(console, view.Failures);
        console.Line(view.Healthy
            ? "[green]Healthy.[/]"
            : $"[red]Needs attention:[/] {Markup.Escape(string.Join("; ", Problems(view)))}.");
    }

    private static IEnumerable<string> Problems(DashboardView view)
    {
        var failed = view.Last24Hours.Failed + view.Last24Hours.Retrying;
        if (failed > 0)
            yield return $"{Plural(failed, "job run")} failed in the last 24 hours (`lifeboat job history NAME`)";
        if (view.OverdueVms.Count > 0)
            yield return $"{Plural(view.OverdueVms.Count, "VM")} overdue";
        foreach (var r in view.Repositories.Where(r => r.NearlyFull))
            yield return $"repository {r.Path} is nearly full";
        foreach (var r in view.Repositories.Where(r => r.Error is not null))
            yield return $"repository {r.Path} cannot be read";
    }

    private static string Plural(int count, string noun) => $"{count} {noun}{(count == 1 ? "" : "s")}";

    private static string Counts(JobResultCounts c) =>
        $"[green]{c.Succeeded} succeeded[/], {(c.Failed > 0 ? $"[red]{c.Failed} failed[/]" : "0 failed")}, "
        + $"{(c.Retrying > 0 ? $"[yellow]{c.Retrying} retrying[/]" : "0 retrying")}, {c.Running} running";

    private static void WriteOverdue(CliConsole console, IReadOnlyList<OverdueVmView> overdue)
    {
        if (overdue.Count == 0)
        {
            console.Line("[bold]Overdue VMs[/]  none");
            return;
        }

        console.Line("[bold]Overdue VMs[/]");
        var table = new CliTable()
            .Column("VM", CliTable.Kind.Key, keep: 9).Column("Job", CliTable.Kind.Key, keep: 8).Column("Schedule", CliTable.Kind.Key, keep: 3)
            .Column("Newest point", CliTable.Kind.Key, keep: 5).Column("Overdue since", CliTable.Kind.Key, keep: 7);
        foreach (var o in overdue)
            table.Row(Markup.Escape(o.Vm), Markup.Escape(o.Job), Markup.Escape(o.Schedule), o.NewestRestorePoint is null ? "none" : CliTime.Format(o.NewestRestorePoint), CliTime.Format(o.OverdueSince));
        table.WriteTo(console);
    }

    private static void WriteRepositories(CliConsole console, IReadOnlyList<RepositoryHealthView> repositories)
    {
        console.Line("[bold]Repositories[/]");
        var table = new CliTable()
            .Column("Folder", CliTable.Kind.Key, keep: 9).Column("Used", CliTable.Kind.Number, keep: 8).Column("Free", CliTable.Kind.Number, keep: 7)
            .Column("Points", CliTable.Kind.Number, keep: 4).Column("Stored", CliTable.Kind.Number, keep: 5).Column("Dedup", CliTable.Kind.Number, keep: 6);
        foreach (var r in repositories)
        {
            var used = r.UsedPercent is { } percent ? $"{percent.ToString("0", CultureInfo.InvariantCulture)} %" : "-";
            table.Row(
                Markup.Escape(r.Path),
                r.NearlyFull ? $"[red]{used}[/]" : used,
                r.FreeBytes is { } free ? Sizes.Format(free) : "-",
                r.RestorePoints.ToString(CultureInfo.InvariantCulture),
                r.StoredBytes is { } stored ? Sizes.Format(stored) : "-",
                r.DedupFactor is { } factor ? factor.ToString("0.0#", CultureInfo.InvariantCulture) + "x" : "-");
        }

        table.WriteTo(console);
        foreach (var r in repositories.Where(r => r.Error is not null))
            console.Line($"[red]{Markup.Escape(r.Error!)}[/]");
    }

    private static void WriteRunning(CliConsole console, DashboardView view)
    {
        if (view.RunningBackups.Count + view.RunningVerifications.Count + view.RunningSessions.Count == 0)
            return;
        var table = new CliTable()
            .Column("What", CliTable.Kind.Key, keep: 8).Column("Name", CliTable.Kind.Key, keep: 9).Column("VM", CliTable.Kind.Key, keep: 5)
            .Column("Since", CliTable.Kind.Key, keep: 6).Column("Where it is", CliTable.Kind.Text, keep: 4);
        foreach (var b in view.RunningBackups)
        {
            var progress = b is { BytesDone: { } done, BytesTotal: > 0 and var total } ? $"{Sizes.Format(done)} of {Sizes.Format(total)} read" : "starting";
            table.Row("backup", Markup.Escape(b.Job), Markup.Escape(b.Vm), CliTime.Format(b.StartedAt), progress);
        }

        foreach (var (kind, s) in view.RunningVerifications.Select(s => ("verification", s)).Concat(view.RunningSessions.Select(s => ("recovery", s))))
            table.Row(kind, s.Id, Markup.Escape(s.Vm), CliTime.Format(s.StartedAt), Markup.Escape($"{s.State}, {s.Phase}"));
        table.WriteTo(console);
    }

    private static void WriteFailures(CliConsole console, IReadOnlyList<FailureView> failures)
    {
        if (failures.Count == 0)
            return;
        console.Line("[bold]Newest failures[/]");
        var table = new CliTable()
            .Column("When", CliTable.Kind.Key, keep: 8).Column("What", CliTable.Kind.Key, keep: 9).Column("Error", CliTable.Kind.Text, keep: 7);
        foreach (var f in failures)
            table.Row(CliTime.Format(f.At), Markup.Escape($"{f.Kind} {f.Subject}"), Markup.Escape(f.Error));
        table.WriteTo(console);
    }
}
