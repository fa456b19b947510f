using System.CommandLine;
using Lifeboat.Cli.Output;
using Spectre.Console;

namespace Lifeboat.Cli.Commands;

/// <summary>`lifeboat stop ID`: powers the VM off and removes everything the session set up; the backup is untouched.</summary>
internal static class StopCommand
{
    public static Command Create()
    {
        var id = new Argument<string>("ID") { Description = "The session, as `lifeboat sessions` lists it." };
        var command = new Command("stop", "Stop a session: power off, undefine, unpublish, delete the cache. A finalized session's VM is left alone.") { id };
        CommandRunner.SetAction(command, async (parse, console, ct) =>
        {
            var sessionId = parse.GetValue(id)!;
            using var client = new ServerClient();
            var before = await client.GetSessionAsync(sessionId, ct);
            await client.StopAsync(sessionId, ct);
            var follower = new SessionFollower(client, console);
            follower.SkipStepsOf(before);
            var last = await follower.FollowAsync(sessionId, s => s.IsFinal, ct);
            if (console.Json)
            {
                console.WriteJson(last, ContractsJsonContext.Default.SessionView);
                return last.State == SessionState.Stopped ? ExitCodes.Ok : ExitCodes.Failed;
            }

            var failed = last.Steps.Where(s => s.Phase == SessionPhase.Stop && s.Result == StepResult.Failed && s.Seq > (before.Steps.Count == 0 ? 0 : before.Steps.Max(b => b.Seq))).ToList();
            if (failed.Count > 0)
            {
                console.Error($"Session {sessionId} stopped, but {failed.Count} step(s) failed: {string.Join(" ", failed.Select(f => f.Message))}");
                return ExitCodes.Failed;
            }

            console.Line($"Session [bold]{Markup.Escape(sessionId)}[/] is {last.State.ToString().ToLowerInvariant()}: nothing of it is left; the backup is untouched.");
            return ExitCodes.Ok;
        });
        return command;
    }
}
