using System.Diagnostics;
using Lifeboat.Repository.Tests.Support;

namespace Lifeboat.Repository.Tests;

/// <summary>ENOSPC for real: the repository lives on an 8 MiB tmpfs (needs root; skipped where mount is not allowed).</summary>
public class DiskFullTests
{
    [SkippableFact]
    public async Task Full_file_system_fails_the_backup_clearly_and_leaves_no_partial_state()
    {
        using var dir = new TestFolder();
        string mountPoint = dir.Combine("small");
        Directory.CreateDirectory(mountPoint);
        Skip.IfNot(Run("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", mountPoint) == 0, "Cannot mount a tmpfs here (needs root).");
        try
        {
            var smallContent = SampleImages.WriteMixed(dir.Combine("small.img"), 512 * 1024, seed: 80);
            SampleImages.Write(dir.Combine("big.img"), 16 * 1024 * 1024, seed: 81, 64 * 1024, SampleImages.Kind.Random);
            using var repository = BackupRepository.Init(Path.Combine(mountPoint, "repo"), new RepositoryOptions(64 * 1024, CompressionCodec.Zstd), null);
            var small = await RepositoryFixture.BackupAsync(repository, "vm", dir.Combine("small.img"));
            var packsBefore = RepositoryFixture.PackFiles(repository.Path);

            var error = await Assert.ThrowsAsync<RepositoryException>(() => RepositoryFixture.BackupAsync(repository, "vm", dir.Combine("big.img")));

            Assert.Equal("The repository's file system is full: free space on it or use another repository; this backup was not kept.", error.Message);
            Assert.Equal([small.Id], repository.ListRestorePoints().Select(p => p.Id));
            Assert.Equal(packsBefore, RepositoryFixture.PackFiles(repository.Path));
            Assert.Empty(RepositoryFixture.Files(Path.Combine(repository.Path, "tmp")));
            Assert.True((await repository.VerifyAsync()).Ok);
            SampleImages.AssertFileEquals(smallContent, (await RepositoryFixture.RestoreAsync(repository, small.Id, dir.Combine("out"))).Files[0]);
        }
        finally
        {
            Run("umount", mountPoint);
        }
    }

    private static int Run(string program, params string[] arguments)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            process.WaitForExit();
            return process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return -1;
        }
    }
}
