using System.CommandLine;
using Lifeboat.Cli.Output;
using Spectre.Console;

namespace Lifeboat.Cli.Commands;

/// <summary>`lifeboat migrate ID --to DIR`: moves a recovered VM (or an attached disk) to production storage while it runs, then finalizes.</summary>
internal static class MigrateCommand
{
    public static Option<string> MethodOption() => new("--method")
    {
        Description = "mirror (QEMU mirrors the disks, the VM never stops) or quick (copy while running, short pause, switch).",
        DefaultValueFactory = _ => "mirror",
    };

    public static Option<string> FormatOption() => new("--format")
    {
        Description = "raw or qcow2: the format of the production disk files.",
        DefaultValueFactory = _ => "raw",
    };

    public static Command Create()
    {
        var id = new Argument<string>("ID") { Description = "The session, as `lifeboat sessions` lists it." };
        var to = new Option<string>("--to") { Description = "The production folder the VM's disks move to.", Required = true };
        var method = MethodOption();
        var format = FormatOption();
        var detach = new Option<bool>("--detach") { Description = "Return at once; follow with `lifeboat session show ID`." };
        var command = new Command("migrate", "Move a recovered VM's disks to production storage while it runs, then finalize the session.")
        {
            id, to, method, format, detach,
        };
        CommandRunner.SetAction(command, async (parse, console, ct) =>
        {
            var sessionId = parse.GetValue(id)!;
            var request = Request(Path.GetFullPath(parse.GetValue(to)!), parse.GetValue(method)!, parse.GetValue(format)!);
            var target = Path.GetFullPath(parse.GetValue(to)!);
            using var client = new ServerClient();
            var before = await client.GetSessionAsync(sessionId, ct);
            var session = await client.MigrateAsync(sessionId, request, ct);
            if (parse.GetValue(detach))
            {
                if (console.Json)
                    console.WriteJson(SessionOutcome.From(session, null), ServerApiJsonContext.Default.SessionOutcomeJson);
                else
                    console.Line($"Session {session.Id} is migrating to {Markup.Escape(target)}; follow it with `lifeboat session show {session.Id}`.");
                return ExitCodes.Ok;
            }

            console.Line($"Session [bold]{session.Id}[/]: migrating VM {Markup.Escape(session.Vm)} to {Markup.Escape(target)} ({request.Method.ToString().ToLowerInvariant()}, {request.Format.ToString().ToLowerInvariant()})");
            var follower = new SessionFollower(client, console);
            follower.SkipStepsOf(before);
            SessionView last;
            try
            {
                last = await follower.FollowAsync(sessionId, s => s.IsFinal || (s.State == SessionState.Ready && s.MigrationError is not null), ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                console.Error($"Stopped following; the migration goes on in the server: see `lifeboat session show {sessionId}`.");
                return ExitCodes.Cancelled;
            }

            if (console.Json)
            {
                console.WriteJson(SessionOutcome.From(last, null), ServerApiJsonContext.Default.SessionOutcomeJson);
                return last.State == SessionState.Finalized ? ExitCodes.Ok : ExitCodes.Failed;
            }

            if (last.State != SessionState.Finalized)
            {
                console.Error(last.MigrationError ?? last.Error ?? $"Session {sessionId} ended ({last.State.ToString().ToLowerInvariant()}) before the migration finished.");
                return ExitCodes.Failed;
            }

            if (last.DiskRecovery is { } disk)
            {
                console.Line($"[green]Finalized[/]: disk {disk.DiskId} of VM {Markup.Escape(disk.TargetVm)} runs from {Markup.Escape(string.Join(", ", last.ProductionDisks))}, still attached; " +
                    $"the publication and cache are gone, the backup is untouched. Keep it, or unplug it with `lifeboat detach-disk {last.Id}` (the file stays).");
                return ExitCodes.Ok;
            }

            var pause = last.MigrationPauseSeconds is { } seconds ? $", paused {SessionFollower.Seconds(seconds)}" : ", never paused";
            console.Line($"[green]Finalized[/]: the VM runs from {Markup.Escape(string.Join(", ", last.ProductionDisks))}{pause}; " +
                "the publication and cache are gone, the backup is untouched. The VM belongs to production now.");
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The migration the options ask for; a method or format not among the choices is refused naming its flag.</summary>
    public static MigrationRequest Request(string target, string method, string format) =>
        new(target, Enum.Parse<MigrationMethod>(Choice(method, "--method", "mirror", "quick"), ignoreCase: true),
            Enum.Parse<ProductionFormat>(Choice(format, "--format", "raw", "qcow2"), ignoreCase: true));

    private static string Choice(string value, string option, params string[] choices) =>
        choices.FirstOrDefault(c => c.Equals(value, StringComparison.OrdinalIgnoreCase))
        ?? throw new CliException($"{option} '{value}' is not one of {string.Join(", ", choices)}.");
}
