using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Lifeboat.Cli.Output;
using Spectre.Console;

namespace Lifeboat.Cli.Commands;

/// <summary>`lifeboat instant-recover`: runs a VM from its backup through the server and waits until the guest answers.</summary>
internal static class InstantRecoverCommand
{
    public static Command Create()
    {
        var vm = new Option<string>("--vm") { Description = "The VM to recover.", Required = true };
        var restorePoint = new Option<string>("--restore-point") { Description = "A restore point id, or latest.", DefaultValueFactory = _ => "latest" };
        var redirect = new Option<string?>("--redirect-writes-to") { Description = "Keep the VM's writes in this folder (e.g. on production storage) instead of the server's cache." };
        var migrateTo = new Option<string?>("--migrate-to") { Description = "Once the guest answers, migrate the VM's disks to this folder and finalize." };
        var method = MigrateCommand.MethodOption();
        var format = MigrateCommand.FormatOption();
        var readyWhen = new Option<string?>("--ready-when") { Description = "running (QEMU runs the VM), console:TEXT (a line on the serial console) or agent (the QEMU guest agent answers a ping); default agent when the backup recorded a guest agent channel, else running." };
        var readyTimeout = new Option<double?>("--ready-timeout") { Description = "Seconds to wait for the guest to answer (default 300)." };
        var noPowerOn = new Option<bool>("--no-power-on") { Description = "Publish and define the VM, but don't start it." };
        var firmwareConfig = new Option<string[]>("--fw-cfg")
        {
            Description = "NAME=VALUE for the guest's QEMU fw_cfg (NAME starts with opt/); repeatable.",
            AllowMultipleArgumentsPerToken = false,
        };
        var protocol = new Option<string>("--protocol")
        {
            Description = "How QEMU reaches the published disks: nfs (files of the mount server's datastore) or nbd (its NBD exports of the same disks).",
            DefaultValueFactory = _ => "nfs",
        };
        protocol.AcceptOnlyFromAmong("nfs", "nbd");
        var host = new Option<string?>("--host") { Description = "The host to run the VM on, as `lifeboat hosts` lists it (default: local, the QEMU host of this machine)." };
        var network = new Option<string?>("--network") { Description = "A libvirt network on that host to give the VM one NIC on, or none (default: none)." };
        var name = new Option<string?>("--name") { Description = "The VM's name on the host (default: named after its publication, e.g. web01)." };
        var detach = new Option<bool>("--detach") { Description = "Return at once with the session id." };
        var command = new Command("instant-recover", "Run a VM straight from its backup; returns when the guest answers, with the recovery time.")
        {
            vm, restorePoint, redirect, migrateTo, method, format, readyWhen, readyTimeout, noPowerOn, firmwareConfig, protocol, host, network, name, detach,
        };
        CommandRunner.SetAction(command, async (parse, console, ct) =>
        {
            var clock = Stopwatch.StartNew();
            var target = parse.GetValue(migrateTo);
            var request = new RecoveryRequest
            {
                Vm = parse.GetValue(vm)!,
                RestorePoint = parse.GetValue(restorePoint),
                RedirectWritesTo = parse.GetValue(redirect) is { } folder ? Path.GetFullPath(folder) : null,
                MigrateTo = target is null ? null : MigrateCommand.Request(Path.GetFullPath(target), parse.GetValue(method)!, parse.GetValue(format)!),
                ReadyWhen = parse.GetValue(readyWhen),
                ReadyTimeoutSeconds = parse.GetValue(readyTimeout),
                PowerOn = !parse.GetValue(noPowerOn),
                FirmwareConfig = ParseFirmwareConfig(parse.GetValue(firmwareConfig) ?? []),
                Protocol = parse.GetValue(protocol),
                Host = parse.GetValue(host),
                Network = parse.GetValue(network) is { } nic && nic != "none" ? nic : null,
                Name = parse.GetValue(name),
            };
            using var client = new ServerClient();
            var session = await client.RecoverAsync(request, ct);
            if (parse.GetValue(detach))
            {
                if (console.Json)
                    console.WriteJson(SessionOutcome.From(session, null), ServerApiJsonContext.Default.SessionOutcomeJson);
                else
                    Console.Out.WriteLine(session.Id);
                return ExitCodes.Ok;
            }

            console.Line($"Session [bold]{session.Id}[/]: instant recovery of VM [bold]{Markup.Escape(request.Vm)}[/] ({Markup.Escape(request.RestorePoint ?? "latest")}) onto host {Markup.Escape(session.Host)} through {client.BaseAddress}");
            SessionView last;
            try
            {
                last = await new SessionFollower(client, console).FollowAsync(session.Id, s => s.State != SessionState.Starting, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                console.Error($"Stopped following; session {session.Id} goes on in the server: see `lifeboat session show {session.Id}`, end it with `lifeboat stop {session.Id}`.");
                return ExitCodes.Cancelled;
            }

            var recovery = last.ReadyAt is null ? (double?)null : clock.Elapsed.TotalSeconds;
            if (console.Json)
            {
                console.WriteJson(SessionOutcome.From(last, recovery), ServerApiJsonContext.Default.SessionOutcomeJson);
                return last.State is SessionState.Failed or SessionState.Stopped ? ExitCodes.Failed : ExitCodes.Ok;
            }

            if (last.State is SessionState.Failed or SessionState.Stopped)
            {
                console.Error(last.Error ?? $"Session {last.Id} ended ({last.State.ToString().ToLowerInvariant()}) before the guest answered.");
                return ExitCodes.Failed;
            }

            if (recovery is { } seconds)
            {
                console.Line($"[green]The guest answers[/] ({Markup.Escape(last.ReadyWhen)}): recovery time [bold]{seconds.ToString("0.00", CultureInfo.InvariantCulture)} s[/] " +
                    $"from the command (server: {SessionFollower.Seconds(last.RecoverySeconds)}).");
            }
            else
            {
                console.Line("The VM is published and defined, not powered on (--no-power-on).");
            }

            if (last.Migration is { } migration)
                console.Line($"Migrating to {Markup.Escape(migration.TargetDirectory)} ({migration.Method.ToString().ToLowerInvariant()}) goes on: follow it with `lifeboat session show {last.Id}`.");
            else
                console.Line($"Next: `lifeboat session console {last.Id}`, `lifeboat migrate {last.Id} --to DIR`, or `lifeboat stop {last.Id}`.");
            return ExitCodes.Ok;
        });
        return command;
    }

    internal static Dictionary<string, string>? ParseFirmwareConfig(string[] entries)
    {
        if (entries.Length == 0)
            return null;
        var config = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var separator = entry.IndexOf('=', StringComparison.Ordinal);
            if (separator <= 0)
                throw new CliException($"--fw-cfg '{entry}' must be NAME=VALUE, e.g. opt/lifeboat/mode=write,stay.");
            config[entry[..separator]] = entry[(separator + 1)..];
        }

        return config;
    }
}
