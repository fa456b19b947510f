using System.CommandLine;
using Lifeboat.Cli.Output;
using Lifeboat.Hypervisors.Libvirt;
using Lifeboat.Repository;
using Lifeboat.Server.Contracts.Jobs;
using Spectre.Console;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// `lifeboat job add NAME --vm VM (--qmp SOCKET [--guest-agent SOCKET] | --libvirt DOMAIN [--connect URI] | --disk PATH...)
/// --schedule "daily 02:00" --keep-last N [--repo PATH] [--retries N]`.
/// </summary>
internal static class JobAddCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("NAME") { Description = "The job's name: letters, digits, '.', '-' and '_'." };
        var vm = new Option<string>("--vm") { Description = "The VM's name in the repository.", Required = true };
        var qmp = new Option<string?>("--qmp") { Description = "Back up a running QEMU VM live through its QMP socket." };
        var guestAgent = new Option<string?>("--guest-agent") { Description = "The guest agent's socket, to freeze the guest's file systems (with --qmp)." };
        var libvirt = new Option<string?>("--libvirt") { Description = "Back up a libvirt domain live." };
        var connect = new Option<string?>("--connect") { Description = "libvirt's connection URI (with --libvirt; default qemu:///system)." };
        var disks = new Option<string[]>("--disk")
        {
            Description = "Back up disk image files at rest (an offline VM's); repeat for each disk, in the VM's order.",
            AllowMultipleArgumentsPerToken = false,
        };
        var schedule = new Option<string>("--schedule")
        {
            Description = "\"daily HH:MM\" (the server's local time) or \"every Nh\" / \"every Nm\".",
            Required = true,
        };
        var keepLast = new Option<int>("--keep-last") { Description = "How many of the VM's newest restore points to keep after each successful run.", Required = true };
        var repo = new Option<string?>("--repo") { Description = "The repository (default: the server's own); it is registered with the server." };
        var retries = new Option<int?>("--retries") { Description = "How many times a failed run is tried again, 5 minutes apart (default 2)." };
        var verify = new Option<string?>("--verify") { Description = "boot: after each successful run, verify the new restore point by booting it in isolation (lifeboat verify --boot)." };
        var verifyHost = new Option<string?>("--host") { Description = "With --verify boot: the host the verifications boot on, as `lifeboat hosts` lists it (default: local)." };
        var command = new Command("add", "Add a backup job to the server; it runs by its schedule from now on.")
        {
            name, vm, qmp, guestAgent, libvirt, connect, disks, schedule, keepLast, repo, retries, verify, verifyHost,
        };
        CommandRunner.SetAction(command, async (parse, console, ct) =>
        {
            if (!VmName.TryValidate(parse.GetValue(vm), "--vm", out var problem))
                throw new CliException(problem);
            var source = Source(parse.GetValue(qmp), parse.GetValue(guestAgent), parse.GetValue(libvirt), parse.GetValue(connect), parse.GetValue(disks));
            var spec = new JobSpec(parse.GetValue(name)!, parse.GetValue(vm)!, source, parse.GetValue(schedule)!, parse.GetValue(keepLast),
                parse.GetValue(repo) is { } path ? Path.GetFullPath(path) : null, parse.GetValue(retries), parse.GetValue(verify), parse.GetValue(verifyHost));
            using var client = new ServerClient();
            var job = await client.AddJobAsync(spec, ct);
            if (console.Json)
            {
                console.WriteJson(job, ContractsJsonContext.Default.JobView);
                return ExitCodes.Ok;
            }

            console.Line($"Job [bold]{Markup.Escape(job.Spec.Name)}[/] backs up VM {Markup.Escape(job.Spec.Vm)} from {Markup.Escape(job.SourceDescription)} " +
                $"{Markup.Escape(job.Spec.Schedule)} into {Markup.Escape(job.Spec.Repository ?? "-")}, keeping the newest {job.Spec.KeepLast}; next run {JobText.Time(job.NextRunAt)}.");
            return ExitCodes.Ok;
        });
        return command;
    }

    internal static JobSource Source(string? qmp, string? guestAgent, string? libvirt, string? connect, string[]? disks)
    {
        var given = (qmp is null ? 0 : 1) + (libvirt is null ? 0 : 1) + (disks is { Length: > 0 } ? 1 : 0);
        if (given != 1)
            throw new CliException("Give the VM's source once: --qmp SOCKET (a running QEMU VM), --libvirt DOMAIN, or --disk PATH for each disk file.");
        if (guestAgent is not null && qmp is null)
            throw new CliException("--guest-agent goes with --qmp.");
        if (connect is not null && libvirt is null)
            throw new CliException("--connect goes with --libvirt.");
        if (qmp is not null)
            return new JobSource(JobSourceKind.Qmp, QmpSocket: Path.GetFullPath(qmp), GuestAgentSocket: guestAgent is null ? null : Path.GetFullPath(guestAgent));
        if (connect is not null && !LibvirtUri.TryValidate(connect, "--connect", out var problem))
            throw new CliException(problem);
        if (libvirt is not null)
            return new JobSource(JobSourceKind.Libvirt, LibvirtDomain: libvirt, ConnectUri: connect);
        return new JobSource(JobSourceKind.Disks, DiskPaths: [.. disks!.Select(Path.GetFullPath)]);
    }
}
