using Lifeboat.Cli.Output;
using Lifeboat.Repository;

namespace Lifeboat.Cli.Quickstart;

/// <summary>
/// Act 1, the repository on its own: a sample VM disk, two backups with a change between, the restore point list, a
/// verify, a restore and a bit-exact comparison.
/// </summary>
internal static class RepositoryAct
{
    public const string VmName = "sample-vm";

    public static async Task RunAsync(StepLog log, string folder, long diskSize, CancellationToken ct)
    {
        log.Act("Act 1: the repository", "A VM disk is backed up twice (the second time only its changes are stored), verified and restored bit-exact.");
        var disk = Path.Combine(folder, "sample-vm-disk0.raw");
        var repoPath = Path.Combine(folder, "repository");
        var restored = Path.Combine(folder, "restored");

        await log.RunAsync("Make a sample VM disk (ext4 with files)", async () =>
        {
            await SampleDisk.CreateAsync(disk, diskSize, seed: 1, ct);
            return $"{Sizes.Format(diskSize)} raw disk";
        });
        using var repository = await log.RunAsync("Create a repository", () =>
            Task.FromResult(BackupRepository.Init(repoPath, new RepositoryOptions(), password: null)),
            r => $"block size {Sizes.Format(r.Config.BlockSize)}, {r.Config.Compression.ToString().ToLowerInvariant()}");
        var request = new BackupRequest(VmName, [disk]);
        await log.RunAsync("First backup", () => repository.BackupAsync(request, null, ct),
            rp => $"restore point {rp.Id}, {Sizes.Format(rp.StoredBytes)} stored");
        await log.RunAsync("Change the disk (write a 6 MiB file, remove another)", async () =>
        {
            await SampleDisk.ChangeAsync(disk, seed: 2, ct);
            return "done";
        });
        var second = await log.RunAsync("Second backup (only changes are stored)", () => repository.BackupAsync(request, null, ct),
            rp => $"restore point {rp.Id}, {Sizes.Format(rp.StoredBytes)} stored, parent {rp.ParentId}");
        await log.RunAsync("List restore points", () =>
            Task.FromResult(string.Join(", ", repository.ListRestorePoints(VmName).Select(p => p.Id))));
        await log.RunAsync("Verify every chunk", async () =>
        {
            var report = await repository.VerifyAsync(null, null, ct);
            if (!report.Ok)
                throw new CliException($"verify found {report.BadChunks.Count} damaged chunk(s) in a fresh repository; check the disk under {repoPath}.");
            return $"{report.ChunksChecked} chunks OK";
        });
        var result = await log.RunAsync("Restore the latest restore point", () =>
            repository.RestoreAsync(second.Id, restored, new RestoreOptions(), null, ct),
            r => $"{Sizes.Format(r.BytesWritten)} written to {r.Files[0]}");
        await log.RunAsync("Compare the restored disk with the original", () =>
        {
            var expected = SampleDisk.Sha256(disk);
            var actual = SampleDisk.Sha256(result.Files[0]);
            if (expected != actual)
                throw new CliException($"the restored disk differs from the original (sha256 {actual} vs {expected}); keep {folder} and report it.");
            return Task.FromResult($"identical (sha256 {expected[..16]}…)");
        });
    }
}
