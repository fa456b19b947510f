using System.CommandLine;
using Lifeboat.Cli.Output;
using Lifeboat.Repository;

namespace Lifeboat.Cli.Quickstart;

/// <summary>
/// The whole story available so far, on an embedded default: a sample VM disk, two backups with a change between,
/// the restore point list, a verify, a restore and a bit-exact comparison, each step timed.
/// </summary>
internal static class QuickstartCommand
{
    public static Command Create()
    {
        var work = new Option<string?>("--work")
        {
            Description = "Folder for the sample disk, repository and restore (default: lifeboat-quickstart in the temp folder; emptied first).",
        };
        var size = new Option<string>("--disk-size") { Description = "Size of the sample disk.", DefaultValueFactory = _ => "256M" };
        var command = new Command("quickstart", "Run the whole Lifeboat story on a sample VM disk and show each step's timing.") { work, size };
        CommandRunner.SetAction(command, async (parse, console, cancellationToken) =>
        {
            var folder = Path.GetFullPath(parse.GetValue(work) ?? Path.Combine(Path.GetTempPath(), "lifeboat-quickstart"));
            if (Directory.Exists(folder))
                Directory.Delete(folder, recursive: true);
            Directory.CreateDirectory(folder);
            var diskSize = Sizes.Parse(parse.GetValue(size)!);
            var disk = Path.Combine(folder, "sample-vm-disk0.raw");
            var repoPath = Path.Combine(folder, "repository");
            var restored = Path.Combine(folder, "restored");
            var log = new StepLog(console);
            console.Line($"Lifeboat quickstart in [bold]{Spectre.Console.Markup.Escape(folder)}[/]");

            await log.RunAsync("Make a sample VM disk (ext4 with files)", () =>
            {
                SampleDisk.Create(disk, diskSize, seed: 1);
                return Task.FromResult($"{Sizes.Format(diskSize)} raw disk");
            });
            using var repository = await log.RunAsync("Create a repository", () =>
                Task.FromResult(BackupRepository.Init(repoPath, new RepositoryOptions(), password: null)),
                r => $"block size {Sizes.Format(r.Config.BlockSize)}, {r.Config.Compression.ToString().ToLowerInvariant()}");
            var request = new BackupRequest("sample-vm", [disk]);
            await log.RunAsync("First backup", () => repository.BackupAsync(request, null, cancellationToken),
                rp => $"restore point {rp.Id}, {Sizes.Format(rp.StoredBytes)} stored");
            await log.RunAsync("Change the disk (write a 6 MiB file, remove another)", () =>
            {
                SampleDisk.Change(disk, seed: 2);
                return Task.FromResult("done");
            });
            var second = await log.RunAsync("Second backup (only changes are stored)", () => repository.BackupAsync(request, null, cancellationToken),
                rp => $"restore point {rp.Id}, {Sizes.Format(rp.StoredBytes)} stored, parent {rp.ParentId}");
            await log.RunAsync("List restore points", () =>
                Task.FromResult(string.Join(", ", repository.ListRestorePoints("sample-vm").Select(p => p.Id))));
            await log.RunAsync("Verify every chunk", async () =>
            {
                var report = await repository.VerifyAsync(null, null, cancellationToken);
                if (!report.Ok)
                    throw new CliException($"verify found {report.BadChunks.Count} damaged chunk(s) in a fresh repository.");
                return $"{report.ChunksChecked} chunks OK";
            });
            var result = await log.RunAsync("Restore the latest restore point", () =>
                repository.RestoreAsync(second.Id, restored, new RestoreOptions(), null, cancellationToken),
                r => $"{Sizes.Format(r.BytesWritten)} written to {r.Files[0]}");
            await log.RunAsync("Compare the restored disk with the original", () =>
            {
                var expected = SampleDisk.Sha256(disk);
                var actual = SampleDisk.Sha256(result.Files[0]);
                if (expected != actual)
                    throw new CliException($"the restored disk differs from the original (sha256 {actual} vs {expected}).");
                return Task.FromResult($"identical (sha256 {expected[..16]}…)");
            });
            if (console.Json)
                console.WriteJson(new QuickstartJson(true, folder, log.Steps), CliJsonContext.Default.QuickstartJson);
            else
                log.PrintTable();
            return ExitCodes.Ok;
        });
        return command;
    }
}
