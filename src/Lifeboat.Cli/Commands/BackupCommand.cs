using System.CommandLine;
using System.Diagnostics;
using Lifeboat.LiveBackup;
using Lifeboat.Cli.Output;
using Lifeboat.Hypervisors.Libvirt;
using Lifeboat.Hypervisors.Qemu;
using Lifeboat.Hypervisors.Qemu.LiveBackup;
using Lifeboat.Repository;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Cli.Commands;

internal static class BackupCommand
{
    public static Command Create()
    {
        var repo = GlobalOptions.Repository();
        var vm = new Option<string>("--vm") { Description = "Name of the VM the disks belong to.", Required = true };
        var disks = new Option<string[]>("--disk")
        {
            Description = "A disk image to back up (raw or qcow2); repeat for each disk, in the VM's order.",
            AllowMultipleArgumentsPerToken = false,
        };
        var vmConfig = new Option<string?>("--vm-config") { Description = "The VM's hardware as JSON or a libvirt domain XML, recorded with the restore point." };
        var qmp = new Option<string?>("--qmp")
        {
            Description = "Back up a running QEMU VM live through its QMP socket (started with -qmp unix:PATH,server=on): every disk, the VM never stops.",
        };
        var guestAgent = new Option<string?>("--guest-agent")
        {
            Description = "With --qmp: the host socket of the VM's guest agent, to freeze its file systems for the point in time (found through QMP when left out).",
        };
        var noGuestAgent = new Option<bool>("--no-guest-agent") { Description = "With --qmp or --libvirt: do not freeze the guest (a crash-consistent backup)." };
        var libvirt = new Option<string?>("--libvirt")
        {
            Description = "Back up a running libvirt domain live through libvirt's backup API (pull mode, checkpoints).",
        };
        var connect = new Option<string>("--connect")
        {
            Description = "With --libvirt: libvirt's connection URI.",
            DefaultValueFactory = _ => Virsh.DefaultUri,
        };
        var workDir = new Option<string?>("--work-dir")
        {
            Description = "With --qmp or --libvirt: folder for the fleecing (scratch) images (they hold what the guest overwrites during the backup) and the NBD socket.",
        };
        var command = new Command("backup", "Back up a VM's disks into a new restore point; unchanged blocks are not stored again.")
        {
            repo, vm, disks, vmConfig, qmp, libvirt, connect, guestAgent, noGuestAgent, workDir,
        };
        CommandRunner.SetAction(command, async (parse, console, cancellationToken) =>
        {
            if (!VmName.TryValidate(parse.GetValue(vm), "--vm", out var problem))
                throw new CliException(problem);
            var diskPaths = parse.GetValue(disks) ?? [];
            var qmpSocket = parse.GetValue(qmp);
            var domain = parse.GetValue(libvirt);
            if ((diskPaths.Length > 0 ? 1 : 0) + (qmpSocket is null ? 0 : 1) + (domain is null ? 0 : 1) != 1)
            {
                throw new CliException("Give one of --disk FILE (repeated, for disk files), --qmp SOCKET (a running QEMU VM) or --libvirt DOMAIN (a running libvirt domain).");
            }

            bool live = qmpSocket is not null || domain is not null;
            // A live backup says on stderr why a disk is read whole; a backup of files stays quiet as before.
            using var loggers = LoggerFactory.Create(builder => builder
                .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
                .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; })
                .AddFilter("Lifeboat", live ? LogLevel.Information : LogLevel.Warning)
                .SetMinimumLevel(LogLevel.Warning));
            using var repository = RepositoryOpener.Open(parse.GetValue(repo)!, live ? loggers.CreateLogger<BackupRepository>() : null);
            var name = parse.GetValue(vm)!;
            var clock = Stopwatch.StartNew();
            RestorePointInfo restorePoint;
            if (qmpSocket is null && domain is null)
            {
                var request = new BackupRequest(name, diskPaths, parse.GetValue(vmConfig));
                restorePoint = await console.WithProgressAsync($"Backing up {request.Vm}", sink =>
                    repository.BackupAsync(request, new Progress(sink), cancellationToken));
            }
            else
            {
                var options = new QemuLiveBackupOptions
                {
                    Vm = name,
                    WorkDirectory = parse.GetValue(workDir) ?? LiveQemuBackup.DefaultWorkDirectory(name),
                    GuestAgentSocket = parse.GetValue(guestAgent),
                    DiscoverGuestAgent = !parse.GetValue(noGuestAgent),
                };
                // The guest comes first: this process ends with its backup, so it may give up its priority for good.
                BackupCpuPriority.LowerEveryThread(Environment.ProcessId);
                if (domain is not null)
                {
                    if (!LibvirtUri.TryValidate(parse.GetValue(connect), "--connect", out var uriProblem))
                        throw new CliException(uriProblem);
                    restorePoint = await console.WithProgressAsync($"Backing up {name} live through libvirt", sink =>
                        LiveQemuBackup.RunAsync(repository, parse.GetValue(connect)!, domain, options, new Progress(sink), loggers, cancellationToken));
                }
                else
                {
                    await using var client = await QmpClient.ConnectAsync(Path.GetFullPath(qmpSocket!), loggers.CreateLogger<QmpClient>(), cancellationToken);
                    restorePoint = await console.WithProgressAsync($"Backing up {name} live", sink =>
                        LiveQemuBackup.RunAsync(repository, client, options, new Progress(sink), loggers, cancellationToken));
                }
            }

            var elapsed = clock.Elapsed;
            if (console.Json)
            {
                console.WriteJson(
                    new BackupJson(restorePoint.Id, restorePoint.Vm, restorePoint.LogicalBytes, restorePoint.StoredBytes,
                        elapsed.TotalSeconds, RestorePointJson.From(restorePoint)),
                    CliJsonContext.Default.BackupJson);
            }
            else
            {
                console.Line($"Restore point [bold]{restorePoint.Id}[/] of {Spectre.Console.Markup.Escape(restorePoint.Vm)}: " +
                    $"{Sizes.Format(restorePoint.LogicalBytes)} of disks, {Sizes.Format(restorePoint.StoredBytes)} newly stored, " +
                    $"in {elapsed.TotalSeconds:0.0} s ({Sizes.Throughput(restorePoint.LogicalBytes, elapsed)}).");
                DescribeLive(console, restorePoint);
                Console.Out.WriteLine(restorePoint.Id);
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static void DescribeLive(CliConsole console, RestorePointInfo restorePoint)
    {
        if (restorePoint.Consistency is { } consistency)
        {
            console.Line(consistency.FrozenMilliseconds is { } frozen
                ? $"File-system-consistent: the guest was frozen for {frozen:0.0} ms."
                : $"Crash-consistent: {Spectre.Console.Markup.Escape(consistency.Reason ?? "the guest was not frozen")}.");
        }

        foreach (var disk in restorePoint.Disks)
        {
            if (disk.ChangeTracking is { } tracking)
            {
                console.Line(Spectre.Console.Markup.Escape(tracking.BaseRestorePointId is { } baseId
                    ? $"Disk {disk.Name}: read {Sizes.Format(tracking.BytesRead)}, what changed since {baseId}."
                    : $"Disk {disk.Name}: read {Sizes.Format(tracking.BytesRead)}, all of it, because {tracking.FullReadReason}."));
            }
        }
    }

    private sealed class Progress(TransferProgressSink sink) : IProgress<BackupProgress>
    {
        public void Report(BackupProgress value) => sink.Report(value.BytesScanned, value.TotalBytes);
    }
}
