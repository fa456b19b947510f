using System.CommandLine;
using System.Diagnostics;
using Lifeboat.Cli.Output;
using Lifeboat.Repository;

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
            Required = true,
            AllowMultipleArgumentsPerToken = false,
        };
        var vmConfig = new Option<string?>("--vm-config") { Description = "The VM's hardware as JSON or a libvirt domain XML, recorded with the restore point." };
        var command = new Command("backup", "Back up a VM's disks into a new restore point; unchanged blocks are not stored again.")
        {
            repo, vm, disks, vmConfig,
        };
        CommandRunner.SetAction(command, async (parse, console, cancellationToken) =>
        {
            using var repository = RepositoryOpener.Open(parse.GetValue(repo)!);
            var request = new BackupRequest(parse.GetValue(vm)!, parse.GetValue(disks)!, parse.GetValue(vmConfig));
            var clock = Stopwatch.StartNew();
            var restorePoint = await console.WithProgressAsync($"Backing up {request.Vm}", sink =>
                repository.BackupAsync(request, new Progress(sink), cancellationToken));
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
                Console.Out.WriteLine(restorePoint.Id);
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private sealed class Progress(TransferProgressSink sink) : IProgress<BackupProgress>
    {
        public void Report(BackupProgress value) => sink.Report(value.BytesScanned, value.TotalBytes);
    }
}
