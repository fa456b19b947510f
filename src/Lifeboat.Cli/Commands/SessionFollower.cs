using System.Diagnostics;
using System.Globalization;
using Lifeboat.Cli.Output;
using Spectre.Console;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// Follows a session on the server: prints each step as it ends, under its phase, with its duration; on a terminal
/// the running step (and a migration's progress) shows on a live status line.
/// </summary>
internal sealed class SessionFollower(ServerClient client, CliConsole console)
{
    // A server that cannot hold a request until the session changes is asked this often.
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    // How long the server may hold a request: on a terminal the status line's clock ticks once a second.
    private static readonly TimeSpan LiveWait = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan QuietWait = TimeSpan.FromSeconds(25);

    private int _printedSeq;
    private SessionPhase? _printedPhase;

    /// <summary>Steps already on screen are not printed again (when a later command follows the same session).</summary>
    public void SkipStepsOf(SessionView session)
    {
        _printedSeq = session.Steps.Count == 0 ? 0 : session.Steps.Max(s => s.Seq);
        _printedPhase = session.Steps.Count == 0 ? null : session.Steps[^1].Phase;
    }

    /// <summary>Follows the session until <paramref name="done"/> holds, printing steps on the way; returns the last document.</summary>
    public async Task<SessionView> FollowAsync(string id, Func<SessionView, bool> done, CancellationToken ct)
    {
        if (!console.ShowsProgress)
            return await PollAsync(id, done, null, ct);
        SessionView? last = null;
        await AnsiConsole.Status().Spinner(Spinner.Known.Dots).StartAsync("Waiting for the server…", async context =>
        {
            last = await PollAsync(id, done, text => context.Status(Markup.Escape(text)), ct);
        });
        return last!;
    }

    public static string PhaseTitle(SessionPhase phase) => phase switch
    {
        SessionPhase.NfsMapping => "NFS mapping",
        SessionPhase.RegisteringAndStarting => "Registering and starting",
        SessionPhase.MigratingToProduction => "Migrating to production",
        _ => phase.ToString(),
    };

    public static string Seconds(double? seconds) =>
        seconds is { } value ? value.ToString("0.00", CultureInfo.InvariantCulture) + " s" : "…";

    private async Task<SessionView> PollAsync(string id, Func<SessionView, bool> done, Action<string>? status, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        SessionView? session = null;
        string? etag = null;
        while (true)
        {
            var change = await client.GetSessionChangeAsync(id, etag, status is null ? QuietWait : LiveWait, ct);
            if (change.Session is { } changed)
            {
                session = changed;
                PrintEndedSteps(session);
                if (done(session))
                    return session;
            }

            if (session is not null)
                status?.Invoke(Describe(session, clock.Elapsed));
            etag = change.ETag;
            if (etag is null)
                await Task.Delay(PollInterval, ct);
        }
    }

    private void PrintEndedSteps(SessionView session)
    {
        foreach (var step in session.Steps.Where(s => s.Seq > _printedSeq).OrderBy(s => s.Seq))
        {
            if (step.Result == StepResult.Running)
                break;
            if (step.Phase != _printedPhase)
            {
                console.Line($"[bold]{Markup.Escape(PhaseTitle(step.Phase))}[/]");
                _printedPhase = step.Phase;
            }

            var mark = step.Result switch
            {
                StepResult.Ok => "[green]✓[/]",
                StepResult.Failed => "[red]✗[/]",
                StepResult.Interrupted => "[yellow]![/]",
                _ => "[grey]–[/]",
            };
            var message = step.Message is null ? "" : $" [grey]{Markup.Escape(step.Message)}[/]";
            console.Line($"  {mark} {Markup.Escape(step.Name),-40} {Seconds(step.DurationSeconds),9}{message}");
            _printedSeq = step.Seq;
        }
    }

    private static string Describe(SessionView session, TimeSpan elapsed)
    {
        var running = session.Steps.LastOrDefault(s => s.Result == StepResult.Running);
        var text = running is null
            ? $"{session.State.ToString().ToLowerInvariant()}…"
            : $"{PhaseTitle(running.Phase)} › {running.Name} ({(DateTimeOffset.UtcNow - running.StartedAt).TotalSeconds:0.0} s)";
        if (session.Progress is { TotalBytes: > 0 } progress)
            text += $" {progress.Activity} {100.0 * progress.DoneBytes / progress.TotalBytes:0}% of {Sizes.Format(progress.TotalBytes)}";
        return $"{text}  [{elapsed.TotalSeconds:0.0} s]";
    }
}
