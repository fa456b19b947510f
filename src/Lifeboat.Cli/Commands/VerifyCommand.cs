using System.CommandLine;
using System.Diagnostics;
using Lifeboat.Cli.Output;
using Lifeboat.Repository;

namespace Lifeboat.Cli.Commands;

internal static class VerifyCommand
{
    public static Command Create()
    {
        var repo = GlobalOptions.Repository();
        var restorePoint = new Option<string?>("--restore-point") { Description = "Check only the chunks of this restore point (id or latest)." };
        var command = new Command("verify", "Re-read every stored chunk and check it; name what is damaged.") { repo, restorePoint };
        CommandRunner.SetAction(command, async (parse, console, cancellationToken) =>
        {
            using var repository = RepositoryOpener.Open(parse.GetValue(repo)!);
            var only = parse.GetValue(restorePoint) is { } id ? repository.GetRestorePoint(id).Id : null;
            var clock = Stopwatch.StartNew();
            var report = await console.WithProgressAsync("Verifying", sink =>
                repository.VerifyAsync(only, new Progress(sink), cancellationToken), bytes: false);
            var elapsed = clock.Elapsed;
            if (console.Json)
            {
                console.WriteJson(
                    new VerifyJson(report.Ok, report.ChunksChecked, report.BytesChecked, elapsed.TotalSeconds,
                        report.BadChunks.Select(b => new BadChunkJson(b.ChunkId, b.Reason,
                            b.Affected.Select(a => new AffectedJson(a.RestorePointId, a.DiskIndex, a.Offsets)).ToList())).ToList(),
                        report.DamagedFiles.Select(f => new DamagedFileJson(f.Path, f.Reason)).ToList()),
                    CliJsonContext.Default.VerifyJson);
            }
            else
            {
                foreach (var bad in report.BadChunks)
                {
                    console.Line($"[red]Damaged chunk {bad.ChunkId}[/]: {Spectre.Console.Markup.Escape(bad.Reason)}");
                    foreach (var a in bad.Affected)
                    {
                        var offsets = string.Join(", ", a.Offsets.Take(8));
                        var more = a.Offsets.Count > 8 ? $" and {a.Offsets.Count - 8} more" : "";
                        console.Line($"  restore point {a.RestorePointId}, disk {a.DiskIndex}, offsets {offsets}{more}");
                    }
                }
                foreach (var damaged in report.DamagedFiles)
                    console.Line($"[red]Damaged file[/] {Spectre.Console.Markup.Escape(damaged.Path)}: {Spectre.Console.Markup.Escape(damaged.Reason)}");
                console.Line(report.Ok
                    ? $"[green]OK[/]: {report.ChunksChecked} chunks ({Sizes.Format(report.BytesChecked)}) checked in {elapsed.TotalSeconds:0.0} s."
                    : $"[red]{report.BadChunks.Count} damaged chunk(s) and {report.DamagedFiles.Count} damaged file(s)[/] among {report.ChunksChecked} chunks checked.");
            }
            return report.Ok ? ExitCodes.Ok : ExitCodes.DamageFound;
        });
        return command;
    }

    private sealed class Progress(TransferProgressSink sink) : IProgress<VerifyProgress>
    {
        public void Report(VerifyProgress value) => sink.Report(value.ChunksChecked, value.TotalChunks);
    }
}
