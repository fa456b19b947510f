using System.CommandLine;
using System.Diagnostics;
using Lifeboat.Cli.Output;
using Lifeboat.Repository;

namespace Lifeboat.Cli.Commands;

internal static class VerifyCommand
{
    public static Command Create()
    {
        var repo = new Option<string?>("--repo") { Description = "The repository folder (for the chunk check)." };
        var restorePoint = new Option<string?>("--restore-point") { Description = "Check only this restore point (id or latest); with --boot, the one to boot (default latest)." };
        var boot = new Option<bool>("--boot") { Description = "Boot the restore point in isolation through the server, run the checks in the guest, keep a screenshot, tear it down." };
        var vm = new Option<string?>("--vm") { Description = "With --boot: the VM whose restore point to boot." };
        var readyWhen = new Option<string?>("--ready-when") { Description = "With --boot: agent, console:TEXT or running, as for instant-recover." };
        var check = new Option<string[]>("--check") { Description = "With --boot: a script file or a shell command run in the guest through its agent; passes on exit 0. Repeatable." };
        var timeout = new Option<string?>("--timeout") { Description = "With --boot: how long the guest may take to answer, and each check to end (e.g. 90s, 5m; default 5m)." };
        var firmwareConfig = new Option<string[]>("--fw-cfg") { Description = "With --boot: NAME=VALUE for the guest's QEMU fw_cfg; repeatable." };
        var detach = new Option<bool>("--detach") { Description = "With --boot: return at once with the verification's id." };
        var host = new Option<string?>("--host") { Description = "With --boot: the host to boot on, as `lifeboat hosts` lists it (default: local)." };
        var command = new Command("verify", "Re-read every stored chunk and check it, naming what is damaged; or, with --boot, prove a restore point boots.")
        {
            repo, restorePoint, boot, vm, readyWhen, check, timeout, firmwareConfig, detach, host,
        };
        CommandRunner.SetAction(command, async (parse, console, cancellationToken) =>
        {
            if (parse.GetValue(boot))
            {
                var name = parse.GetValue(vm) ?? throw new CliException("verify --boot needs --vm NAME: the VM whose restore point to boot.");
                return await BootVerification.RunAsync(
                    new BootVerification.Options(name, parse.GetValue(restorePoint), parse.GetValue(readyWhen), parse.GetValue(timeout),
                        parse.GetValue(check) ?? [], parse.GetValue(firmwareConfig) ?? [], parse.GetValue(detach), parse.GetValue(host)),
                    console, cancellationToken);
            }

            var path = parse.GetValue(repo) ?? throw new CliException("verify needs --repo PATH to check a repository's chunks, or --boot --vm NAME to boot a restore point.");
            using var repository = RepositoryOpener.Open(path);
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
