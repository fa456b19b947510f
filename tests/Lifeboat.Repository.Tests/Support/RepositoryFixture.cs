namespace Lifeboat.Repository.Tests.Support;

/// <summary>Helpers shared by repository tests: create, back up, restore, locate pack files.</summary>
internal static class RepositoryFixture
{
    public static BackupRepository Create(TestFolder dir, int blockSize = 64 * 1024, CompressionCodec codec = CompressionCodec.Zstd, string? password = null, string name = "repo")
    {
        var repository = BackupRepository.Init(dir.Combine(name), new RepositoryOptions(blockSize, codec), password);
        repository.PackTargetLength = 1024 * 1024;
        return repository;
    }

    public static Task<RestorePointInfo> BackupAsync(BackupRepository repository, string vm, params string[] disks) =>
        repository.BackupAsync(new BackupRequest(vm, disks));

    public static async Task<RestoreResult> RestoreAsync(BackupRepository repository, string restorePointId, string target, bool continueOnError = false) =>
        await repository.RestoreAsync(restorePointId, target, new RestoreOptions(continueOnError));

    public static string[] PackFiles(string repositoryPath) =>
        Directory.GetFiles(Path.Combine(repositoryPath, "packs"), "*.pack", SearchOption.AllDirectories);

    /// <summary>Damages one byte of a repository file, as a failing disk would.</summary>
    public static void FlipByte(string path, long offset)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        file.Position = offset;
        int value = file.ReadByte();
        file.Position = offset;
        file.WriteByte((byte)(value ^ 0x5A));
    }

    public static string[] Files(string folder) =>
        Directory.Exists(folder) ? Directory.GetFiles(folder, "*", SearchOption.AllDirectories) : [];

    /// <summary>Copies a repository folder as it is at this instant: what a disk would hold after kill -9.</summary>
    public static void CopyFolder(string source, string destination)
    {
        Directory.CreateDirectory(destination);
        foreach (string directory in Directory.GetDirectories(source, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(directory.Replace(source, destination, StringComparison.Ordinal));
        }

        foreach (string file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, file.Replace(source, destination, StringComparison.Ordinal));
        }
    }
}
