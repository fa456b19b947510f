using System.CommandLine;
using System.Globalization;
using Lifeboat.Cli.Output;
using Spectre.Console;

namespace Lifeboat.Cli.Commands;

/// <summary>`lifeboat session show ID` (phases and steps with durations) and `lifeboat session console ID` (the VM's serial console).</summary>
internal static class SessionCommand
{
    private static readonly TimeSpan FollowInterval = TimeSpan.FromMilliseconds(500);

    public static Command Create()
    {
        var session = new Command("session", "Look at one instant recovery session.");
        session.Subcommands.Add(CreateShow());
        session.Subcommands.Add(CreateConsole());
        return session;
    }

    private static Command CreateShow()
    {
        var id = new Argument<string>("ID") { Description = "The session, as `lifeboat sessions` lists it." };
        var command = new Command("show", "A session's state, phases and steps with their durations.") { id };
        CommandRunner.SetAction(command, async (parse, console, ct) =>
        {
            using var client = new ServerClient();
            var s = await client.GetSessionAsync(parse.GetValue(id)!, ct);
            if (console.Json)
            {
                console.WriteJson(s, ContractsJsonContext.Default.SessionView);
                return ExitCodes.Ok;
            }

            console.Line($"Session [bold]{s.Id}[/]: VM [bold]{Markup.Escape(s.Vm)}[/], restore point {Markup.Escape(s.RestorePointId ?? "-")}, " +
                $"{SessionsCommand.StateMarkup(s.State)}, VM {(s.VmRunning ? "running" : "not running")}");
            if (s.DiskRecovery is { } attached)
                console.Line($"Disk {attached.Disk} of the restore point, attached to VM [bold]{Markup.Escape(attached.TargetVm)}[/] on host {Markup.Escape(s.Host)} with serial {attached.DiskId}");
            if (s.RecoverySeconds is not null)
                console.Line($"Recovery time {SessionFollower.Seconds(s.RecoverySeconds)} (session start to guest answering, {Markup.Escape(s.ReadyWhen)})");
            if (s.Publication is not null)
                console.Line($"Published as {Markup.Escape(string.Join(", ", s.DiskUrls))}; cache {Markup.Escape(s.CacheFolder ?? "-")}");
            if (s.ProductionDisks.Count > 0)
                console.Line($"Production disks: {Markup.Escape(string.Join(", ", s.ProductionDisks))}");
            if (s.Progress is { TotalBytes: > 0 } progress)
                console.Line($"{Markup.Escape(progress.Activity)}: {Sizes.Format(progress.DoneBytes)} of {Sizes.Format(progress.TotalBytes)}");

            var table = new CliTable()
                .Column("Phase", CliTable.Kind.Key, keep: 9).Column("Step", keep: 8).Column("Result", CliTable.Kind.Key, keep: 7)
                .Column("Seconds", CliTable.Kind.Number, keep: 5).Column("Details", keep: 6);
            foreach (var phase in s.Phases)
            {
                table.Row($"[bold]{Markup.Escape(SessionFollower.PhaseTitle(phase.Phase))}[/]", "", Result(phase.Result),
                    $"[bold]{SessionFollower.Seconds(phase.DurationSeconds)}[/]", "");
                foreach (var step in s.Steps.Where(x => x.Phase == phase.Phase))
                    table.Row("", Markup.Escape(step.Name), Result(step.Result), SessionFollower.Seconds(step.DurationSeconds), Markup.Escape(step.Message ?? ""));
            }

            table.WriteTo(console);
            if (s.Error is not null)
                console.Line($"[red]Failed:[/] {Markup.Escape(s.Error)}");
            if (s.MigrationError is not null)
                console.Line($"[yellow]Last migration failed:[/] {Markup.Escape(s.MigrationError)}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command CreateConsole()
    {
        var id = new Argument<string>("ID") { Description = "The session, as `lifeboat sessions` lists it." };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing what the guest writes until the session ends (Ctrl+C to quit)." };
        var command = new Command("console", "The VM's serial console so far.") { id, follow };
        CommandRunner.SetAction(command, async (parse, console, ct) =>
        {
            var sessionId = parse.GetValue(id)!;
            using var client = new ServerClient();
            long offset = 0;
            try
            {
                while (true)
                {
                    var (text, next) = await client.ReadConsoleAsync(sessionId, offset, ct);
                    Console.Out.Write(text);
                    var more = next > offset;
                    offset = next;
                    if (more)
                        continue;
                    if (!parse.GetValue(follow) || (await client.GetSessionAsync(sessionId, ct)).IsFinal)
                        return ExitCodes.Ok;
                    await Task.Delay(FollowInterval, ct);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return ExitCodes.Ok;
            }
        });
        return command;
    }

    private static string Result(StepResult result) => result switch
    {
        StepResult.Ok => "[green]ok[/]",
        StepResult.Failed => "[red]failed[/]",
        StepResult.Running => "[yellow]running[/]",
        StepResult.Interrupted => "[yellow]interrupted[/]",
        _ => result.ToString().ToLower(CultureInfo.InvariantCulture),
    };
}
