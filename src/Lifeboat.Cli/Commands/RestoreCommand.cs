using System.CommandLine;
using System.Diagnostics;
using Lifeboat.Cli.Output;
using Lifeboat.Repository;

namespace Lifeboat.Cli.Commands;

internal static class RestoreCommand
{
    public static Command Create()
    {
        var repo = GlobalOptions.Repository();
        var restorePoint = new Option<string>("--restore-point") { Description = "A restore point id, or latest.", Required = true };
        var vm = new Option<string?>("--vm") { Description = "With latest: the VM whose newest restore point to take." };
        var to = new Option<string>("--to") { Description = "Folder to write the raw disk images into.", Required = true };
        var continueOnError = new Option<bool>("--continue-on-error")
        {
            Description = "Write what can be read, fill damaged blocks with zeros and list them, instead of stopping.",
        };
        var command = new Command("restore", "Write a restore point's disks as raw images, bit-exact.")
        {
            repo, restorePoint, vm, to, continueOnError,
        };
        CommandRunner.SetAction(command, async (parse, console, cancellationToken) =>
        {
            using var repository = RepositoryOpener.Open(parse.GetValue(repo)!);
            var point = repository.GetRestorePoint(parse.GetValue(restorePoint)!, parse.GetValue(vm));
            var target = Path.GetFullPath(parse.GetValue(to)!);
            var clock = Stopwatch.StartNew();
            var result = await console.WithProgressAsync($"Restoring {point.Id}", sink =>
                repository.RestoreAsync(point.Id, target, new RestoreOptions(parse.GetValue(continueOnError)),
                    new Progress(sink), cancellationToken));
            var elapsed = clock.Elapsed;
            var badRanges = result.BadRanges.Select(b => new BadRangeJson(b.DiskIndex, b.Offset, b.Length, b.ChunkId)).ToList();
            if (console.Json)
            {
                console.WriteJson(new RestoreJson(point.Id, result.Files, result.BytesWritten, elapsed.TotalSeconds, badRanges),
                    CliJsonContext.Default.RestoreJson);
            }
            else
            {
                foreach (var file in result.Files)
                    console.Line($"Wrote [bold]{Spectre.Console.Markup.Escape(file)}[/]");
                console.Line($"Restored {Sizes.Format(point.LogicalBytes)} in {elapsed.TotalSeconds:0.0} s ({Sizes.Throughput(point.LogicalBytes, elapsed)}).");
                foreach (var bad in badRanges)
                    console.Line($"[red]Damaged:[/] disk {bad.Disk}, bytes {bad.Offset}-{bad.Offset + bad.Length - 1} (chunk {bad.ChunkId}) were written as zeros.");
            }
            return badRanges.Count == 0 ? ExitCodes.Ok : ExitCodes.DamageFound;
        });
        return command;
    }

    private sealed class Progress(TransferProgressSink sink) : IProgress<RestoreProgress>
    {
        public void Report(RestoreProgress value) => sink.Report(value.BytesDone, value.TotalBytes);
    }
}
