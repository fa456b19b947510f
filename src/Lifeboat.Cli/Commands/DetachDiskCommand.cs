using System.CommandLine;
using Lifeboat.Cli.Output;
using Spectre.Console;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// `lifeboat detach-disk ID` or `lifeboat detach-disk VM[@RP] [--disk N] [--from-vm NAME]`: unplugs a disk that
/// attach-disk attached, then removes its publication and cache. A disk migrated to production keeps its file.
/// </summary>
internal static class DetachDiskCommand
{
    public static Command Create()
    {
        var target = new Argument<string>("ID|VM[@RESTORE_POINT]") { Description = "The disk-recovery session, or the backed-up VM (and restore point) whose attached disk to unplug." };
        var disk = new Option<int?>("--disk") { Description = "Which disk of the restore point, when several are attached." };
        var fromVm = new Option<string?>("--from-vm") { Description = "The VM it is attached to, when it is attached to several." };
        var command = new Command("detach-disk", "Unplug a disk attached with attach-disk, then unpublish it and delete its cache; the backup is untouched.") { target, disk, fromVm };
        CommandRunner.SetAction(command, async (parse, console, ct) =>
        {
            using var client = new ServerClient();
            var session = Find(await client.ListSessionsAsync(ct), parse.GetValue(target)!, parse.GetValue(disk), parse.GetValue(fromVm));
            await client.StopAsync(session.Id, ct);
            var follower = new SessionFollower(client, console);
            follower.SkipStepsOf(session);
            var last = await follower.FollowAsync(session.Id, s => s.IsFinal && s.State != SessionState.Finalized, ct);
            if (console.Json)
            {
                console.WriteJson(last, ContractsJsonContext.Default.SessionView);
                return last.State == SessionState.Stopped ? ExitCodes.Ok : ExitCodes.Failed;
            }

            var seen = session.Steps.Count == 0 ? 0 : session.Steps.Max(s => s.Seq);
            var failed = last.Steps.Where(s => s.Phase == SessionPhase.Stop && s.Result == StepResult.Failed && s.Seq > seen).ToList();
            if (failed.Count > 0)
            {
                console.Error($"Session {session.Id} stopped, but {failed.Count} step(s) failed: {string.Join(" ", failed.Select(f => f.Message))}");
                return ExitCodes.Failed;
            }

            var kept = session.State == SessionState.Finalized ? $"; its production file {Markup.Escape(string.Join(", ", last.ProductionDisks))} stays" : "";
            console.Line($"Disk {session.DiskRecovery!.DiskId} is unplugged from VM {Markup.Escape(session.DiskRecovery.TargetVm)}, its publication and cache are gone{kept}; the backup is untouched.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static SessionView Find(List<SessionView> sessions, string target, int? disk, string? fromVm)
    {
        if (sessions.FirstOrDefault(s => s.Id == target) is { } byId)
        {
            return byId.DiskRecovery is null
                ? throw new CliException($"Session {target} is an instant recovery of a whole VM, not an attached disk; end it with `lifeboat stop {target}`.")
                : byId;
        }

        var at = target.LastIndexOf('@');
        var (vm, restorePoint) = at < 0 ? (target, null) : (target[..at], target[(at + 1)..]);
        var attached = sessions.Where(s => s.DiskRecovery is { } d && (!s.IsFinal || s.State == SessionState.Finalized) && s.Vm == vm
            && (restorePoint is null or "latest" || s.RestorePointId == restorePoint)
            && (disk is null || d.Disk == disk) && (fromVm is null || d.TargetVm == fromVm)).ToList();
        return attached.Count switch
        {
            1 => attached[0],
            0 => throw new CliException($"No disk of {target} is attached{(fromVm is null ? "" : " to VM " + fromVm)}; list the sessions with `lifeboat sessions`."),
            _ => throw new CliException($"{attached.Count} disks of {target} are attached (sessions {string.Join(", ", attached.Select(s => s.Id))}); give the session id, or --disk N and --from-vm NAME."),
        };
    }
}
