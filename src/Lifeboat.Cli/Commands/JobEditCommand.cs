using System.CommandLine;
using Lifeboat.Cli.Output;
using Lifeboat.Repository;
using Lifeboat.Server.Contracts.Jobs;
using Spectre.Console;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// `lifeboat job edit NAME [--schedule …] [--keep-last N] [--retries N] [--verify boot|none] [--host HOST] [--repo PATH] [--vm VM]
/// [--qmp SOCKET [--guest-agent SOCKET] | --libvirt DOMAIN [--connect URI] | --disk PATH...]`: only the settings given change.
/// </summary>
internal static class JobEditCommand
{
    public static Command Create()
    {
        var name = JobCommand.NameArgument();
        var vm = new Option<string?>("--vm") { Description = "The VM's name in the repository." };
        var qmp = new Option<string?>("--qmp") { Description = "Back up a running QEMU VM live through its QMP socket (replaces the source)." };
        var guestAgent = new Option<string?>("--guest-agent") { Description = "The guest agent's socket (with --qmp)." };
        var libvirt = new Option<string?>("--libvirt") { Description = "Back up a libvirt domain live (replaces the source)." };
        var connect = new Option<string?>("--connect") { Description = "libvirt's connection URI (with --libvirt)." };
        var disks = new Option<string[]>("--disk") { Description = "Back up these disk image files at rest (replaces the source); repeat for each disk.", AllowMultipleArgumentsPerToken = false };
        var schedule = new Option<string?>("--schedule") { Description = "\"daily HH:MM\" (the server's local time) or \"every Nh\" / \"every Nm\"." };
        var keepLast = new Option<int?>("--keep-last") { Description = "How many of the VM's newest restore points to keep after each successful run." };
        var repo = new Option<string?>("--repo") { Description = "The repository; it is registered with the server." };
        var retries = new Option<int?>("--retries") { Description = "How many times a failed run is tried again, 5 minutes apart." };
        var verify = new Option<string?>("--verify") { Description = "boot: verify each new restore point by booting it; none: stop verifying." };
        var verifyHost = new Option<string?>("--host") { Description = "With --verify boot: the host verifications boot on, as `lifeboat hosts` lists it." };
        var command = new Command("edit", "Change a backup job's settings; only those given change, and its next run is computed again.")
        {
            name, vm, qmp, guestAgent, libvirt, connect, disks, schedule, keepLast, repo, retries, verify, verifyHost,
        };
        CommandRunner.SetAction(command, async (parse, console, ct) =>
        {
            var jobName = parse.GetValue(name)!;
            if (parse.GetValue(vm) is { } newVm && !VmName.TryValidate(newVm, "--vm", out var problem))
                throw new CliException(problem);
            var verifyValue = parse.GetValue(verify);
            if (verifyValue is not (null or JobSpec.VerifyBoot or "none"))
                throw new CliException($"--verify '{verifyValue}' is not a verification Lifeboat runs; give --verify boot, or --verify none to stop verifying.");
            var sourceGiven = parse.GetValue(qmp) is not null || parse.GetValue(libvirt) is not null || parse.GetValue(disks) is { Length: > 0 }
                || parse.GetValue(guestAgent) is not null || parse.GetValue(connect) is not null;
            var anyGiven = sourceGiven || new object?[]
            {
                parse.GetValue(vm), parse.GetValue(schedule), parse.GetValue(keepLast), parse.GetValue(repo), parse.GetValue(retries), verifyValue, parse.GetValue(verifyHost),
            }.Any(v => v is not null);
            if (!anyGiven)
                throw new CliException($"Give at least one setting to change, e.g. `lifeboat job edit {jobName} --schedule \"daily 03:00\"`; `lifeboat job edit --help` lists them.");

            using var server = new ServerClient();
            var client = new JobEditClient(server);
            var current = (await client.GetAsync(jobName, ct)).Spec;
            var verifies = verifyValue is null ? current.Verify : verifyValue == "none" ? null : verifyValue;
            var spec = current with
            {
                Vm = parse.GetValue(vm) ?? current.Vm,
                Source = sourceGiven
                    ? JobAddCommand.Source(parse.GetValue(qmp), parse.GetValue(guestAgent), parse.GetValue(libvirt), parse.GetValue(connect), parse.GetValue(disks))
                    : current.Source,
                Schedule = parse.GetValue(schedule) ?? current.Schedule,
                KeepLast = parse.GetValue(keepLast) ?? current.KeepLast,
                Repository = parse.GetValue(repo) is { } path ? Path.GetFullPath(path) : current.Repository,
                Retries = parse.GetValue(retries) ?? current.Retries,
                Verify = verifies,
                VerifyHost = verifies is null ? null : parse.GetValue(verifyHost) ?? current.VerifyHost,
            };
            var job = await client.PutAsync(spec, ct);
            if (console.Json)
            {
                console.WriteJson(job, ContractsJsonContext.Default.JobView);
                return ExitCodes.Ok;
            }

            console.Line($"Job [bold]{Markup.Escape(job.Spec.Name)}[/] now backs up VM {Markup.Escape(job.Spec.Vm)} from {Markup.Escape(job.SourceDescription)} " +
                $"{Markup.Escape(job.Spec.Schedule)} ({Markup.Escape(job.ScheduleZone)}) into {Markup.Escape(job.Spec.Repository ?? "-")}, keeping the newest {job.Spec.KeepLast}" +
                (job.Spec.Enabled ? $"; next run {JobText.Time(job.NextRunAt)}." : "; it is disabled (`lifeboat job enable` runs it by its schedule again)."));
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>`lifeboat job enable NAME` and `lifeboat job disable NAME`.</summary>
    public static Command CreateSetEnabled(bool enabled)
    {
        var name = JobCommand.NameArgument();
        var command = new Command(enabled ? "enable" : "disable", enabled
            ? "Enable a job: it runs by its schedule (and retries) again."
            : "Disable a job: it no longer runs by its schedule nor retries; `lifeboat job run` still runs it.") { name };
        CommandRunner.SetAction(command, async (parse, console, ct) =>
        {
            using var server = new ServerClient();
            var job = await new JobEditClient(server).SetEnabledAsync(parse.GetValue(name)!, enabled, ct);
            if (console.Json)
                console.WriteJson(job, ContractsJsonContext.Default.JobView);
            else if (enabled)
                console.Line($"Job [bold]{Markup.Escape(job.Spec.Name)}[/] is enabled; next run {JobText.Time(job.NextRunAt)}.");
            else
                console.Line($"Job [bold]{Markup.Escape(job.Spec.Name)}[/] is disabled: it no longer runs by its schedule; `lifeboat job run {Markup.Escape(job.Spec.Name)}` still runs it.");
            return ExitCodes.Ok;
        });
        return command;
    }
}
