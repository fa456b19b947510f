using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Lifeboat.Cli.Output;
using Lifeboat.Hypervisors.Qemu;
using Spectre.Console;

namespace Lifeboat.Cli.Quickstart;

/// <summary>
/// The whole Lifeboat story on an embedded default, each step timed: the repository on a sample disk (act 1), then
/// two live backups of a real running VM, its instant recovery through a Lifeboat server, live migration to production and the checks (act 2).
/// </summary>
internal static class QuickstartCommand
{
    private const string WorkFolderMark = ".lifeboat-quickstart";

    public static Command Create()
    {
        var work = new Option<string?>("--work")
        {
            Description = "Folder for the sample disk, repositories, the server's data and the production disk (default: lifeboat-quickstart in the temp folder; emptied first).",
        };
        var size = new Option<string>("--disk-size") { Description = "Size of act 1's sample disk.", DefaultValueFactory = _ => "256M" };
        var repositoryOnly = new Option<bool>("--repository-only") { Description = "Run act 1 only (no QEMU, no server)." };
        var command = new Command("quickstart", "Run the whole Lifeboat story (backup, instant recovery of a real VM, live migration, file-level restore) and show each step's timing.")
        {
            work, size, repositoryOnly,
        };
        CommandRunner.SetAction(command, async (parse, console, ct) =>
        {
            var folder = Path.GetFullPath(parse.GetValue(work) ?? Path.Combine(Path.GetTempPath(), "lifeboat-quickstart"));
            var diskSize = Sizes.Parse(parse.GetValue(size)!);
            if (!parse.GetValue(repositoryOnly))
                CheckSocketRoom(folder);
            await PrepareAsync(folder);
            var log = new StepLog(console);
            var recovery = new RecoveryAct(log, folder);
            var clock = Stopwatch.StartNew();
            console.Line($"Lifeboat quickstart in [bold]{Markup.Escape(folder)}[/]");
            try
            {
                await RepositoryAct.RunAsync(log, folder, diskSize, ct);
                if (!parse.GetValue(repositoryOnly))
                    await recovery.RunAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                PrintSteps(console, log, folder);
                console.Error("Interrupted; the quickstart stopped what it had started (above).");
                return ExitCodes.Cancelled;
            }
            catch (Exception) when (!console.Json)
            {
                PrintSteps(console, log, folder);
                throw;
            }

            if (console.Json)
            {
                console.WriteJson(
                    new QuickstartReport(true, folder, recovery.Server, recovery.RestorePointId, recovery.SessionId, Round(recovery.RecoverySeconds),
                        Round(recovery.MigrationSeconds), recovery.MigrationMiBPerSecond, recovery.ProductionDisk, recovery.LiveBackups, Math.Round(clock.Elapsed.TotalSeconds, 3), log.Steps),
                    QuickstartJsonContext.Default.QuickstartReport);
                return ExitCodes.Ok;
            }

            console.Line("");
            log.PrintTable();
            if (recovery.RecoverySeconds is { } seconds)
            {
                console.Line(string.Create(CultureInfo.InvariantCulture,
                    $"Recovery time [bold]{seconds:0.00} s[/] from the command to a guest that answers; live migration " +
                    $"{recovery.MigrationSeconds:0.00} s ({recovery.MigrationMiBPerSecond:0.0} MiB/s) without stopping the VM."));
            }

            console.Line($"[grey]Everything the quickstart made is in {Markup.Escape(folder)}; run it again to start afresh.[/]");
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>
    /// The server the quickstart starts keeps each VM's monitor socket at server/run/SESSION/qmp.sock in the work folder,
    /// and a unix socket path has at most 107 bytes: a folder too deep is refused before anything runs.
    /// </summary>
    private static void CheckSocketRoom(string folder)
    {
        var socket = Path.Combine(folder, "server", "run", "0123abcd", "qmp.sock");
        if (System.Text.Encoding.UTF8.GetByteCount(socket) > QmpClient.MaxSocketPathBytes)
        {
            throw new CliException(
                $"--work {folder} is too long for the VM's monitor socket inside it (at most {QmpClient.MaxSocketPathBytes} bytes for {socket}); give a shorter --work folder.");
        }
    }

    /// <summary>
    /// Empties the work folder, first powering off any VM an interrupted earlier run left running from it. Only a folder
    /// the quickstart made (it holds <see cref="WorkFolderMark"/>) or an empty one is emptied: --work names a folder
    /// that is deleted, and a mistyped path must not cost anyone their files.
    /// </summary>
    private static async Task PrepareAsync(string folder)
    {
        var mark = Path.Combine(folder, WorkFolderMark);
        if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any())
        {
            // A quickstart from before the mark left its sample disk.
            if (!File.Exists(mark) && !File.Exists(Path.Combine(folder, "sample-vm-disk0.raw")))
                throw new CliException($"--work {folder} holds files the quickstart did not make; give a new or empty folder (it is emptied on every run).");
            var runtime = Path.Combine(folder, "server", "run");
            if (Directory.Exists(runtime))
            {
                foreach (var vm in Directory.EnumerateDirectories(runtime))
                    await ProductionVm.PowerOffAsync(vm, TimeSpan.FromSeconds(5));
            }

            await ProductionVm.PowerOffAsync(Path.Combine(folder, ProductionGuest.RuntimeFolder), TimeSpan.FromSeconds(5));

            Directory.Delete(folder, recursive: true);
        }

        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(mark, "Made by `lifeboat quickstart`, which empties this folder on every run.\n");
    }

    private static void PrintSteps(CliConsole console, StepLog log, string folder)
    {
        console.Line("");
        log.PrintTable();
        console.Line($"[grey]Everything the quickstart made is in {Markup.Escape(folder)}.[/]");
    }

    private static double? Round(double? seconds) => seconds is { } value ? Math.Round(value, 3) : null;
}
