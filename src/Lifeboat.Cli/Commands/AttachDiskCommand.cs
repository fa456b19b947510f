using System.CommandLine;
using Lifeboat.Cli.Output;
using Lifeboat.Server.Contracts.Sessions;
using Spectre.Console;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// `lifeboat attach-disk VM[@RP] --disk N --to-vm NAME`: instant disk recovery. The server publishes that disk of the
/// restore point with a write cache of its own and hot-plugs it into the running VM; the backup is never written.
/// </summary>
internal static class AttachDiskCommand
{
    public static Command Create()
    {
        var source = new Argument<string>("VM[@RESTORE_POINT]") { Description = "The backed-up VM and restore point (id or latest; default latest) whose disk to attach." };
        var disk = new Option<int>("--disk") { Description = "The disk of the restore point: 0 is the first.", Required = true };
        var toVm = new Option<string>("--to-vm") { Description = "The running VM to attach it to: on the local host a recovered VM's name or its session id, on a libvirt host a running domain.", Required = true };
        var host = new Option<string?>("--host") { Description = "The target VM's host, as `lifeboat hosts` lists it (default: local)." };
        var protocol = new Option<string>("--protocol") { Description = "How the VM's host reaches the published disk: nfs or nbd.", DefaultValueFactory = _ => "nfs" };
        protocol.AcceptOnlyFromAmong("nfs", "nbd");
        var redirect = new Option<string?>("--redirect-writes-to") { Description = "Keep the guest's writes to the disk in this datastore folder instead of the server's cache." };
        var detach = new Option<bool>("--detach") { Description = "Return at once with the session id." };
        var command = new Command("attach-disk", "Attach one disk of a restore point to a running VM (instant disk recovery); writes go to a cache, never to the backup.")
        {
            source, disk, toVm, host, protocol, redirect, detach,
        };
        CommandRunner.SetAction(command, async (parse, console, ct) =>
        {
            var text = parse.GetValue(source)!;
            var at = text.LastIndexOf('@');
            var (vm, restorePoint) = at < 0 ? (text, null) : (text[..at], text[(at + 1)..]);
            var request = new DiskRecoveryRequest(
                vm, restorePoint, parse.GetValue(disk), parse.GetValue(toVm)!, parse.GetValue(host), parse.GetValue(protocol),
                parse.GetValue(redirect) is { } folder ? Path.GetFullPath(folder) : null);
            using var client = new ServerClient();
            var session = await client.AttachDiskAsync(request, ct);
            if (parse.GetValue(detach))
            {
                if (console.Json)
                    console.WriteJson(session, ContractsJsonContext.Default.SessionView);
                else
                    Console.Out.WriteLine(session.Id);
                return ExitCodes.Ok;
            }

            console.Line($"Session [bold]{session.Id}[/]: disk {request.Disk} of VM [bold]{Markup.Escape(vm)}[/] ({Markup.Escape(restorePoint ?? "latest")}) to VM [bold]{Markup.Escape(request.TargetVm)}[/] on host {Markup.Escape(session.Host)}");
            SessionView last;
            try
            {
                last = await new SessionFollower(client, console).FollowAsync(session.Id, s => s.State != SessionState.Starting, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                console.Error($"Stopped following; session {session.Id} goes on in the server: see `lifeboat session show {session.Id}`, end it with `lifeboat detach-disk {session.Id}`.");
                return ExitCodes.Cancelled;
            }

            if (console.Json)
            {
                console.WriteJson(last, ContractsJsonContext.Default.SessionView);
                return last.State == SessionState.Ready ? ExitCodes.Ok : ExitCodes.Failed;
            }

            if (last.State != SessionState.Ready)
            {
                console.Error(last.Error ?? $"Session {last.Id} ended ({last.State.ToString().ToLowerInvariant()}) before the disk was attached.");
                return ExitCodes.Failed;
            }

            var serial = last.DiskRecovery?.DiskId ?? "?";
            console.Line($"[green]Attached[/]: the guest sees a new virtio disk with serial [bold]{serial}[/] (/sys/block/vdX/serial); its writes go to {Markup.Escape(last.CacheFolder ?? "the cache")}.");
            console.Line($"Next: `lifeboat migrate {last.Id} --to DIR` to keep it on production storage, or `lifeboat detach-disk {last.Id}`.");
            return ExitCodes.Ok;
        });
        return command;
    }
}
