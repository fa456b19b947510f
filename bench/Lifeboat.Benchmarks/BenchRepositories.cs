using Lifeboat.Repository;

namespace Lifeboat.Benchmarks;

/// <summary>One repository per (block size, codec) holding a backup of the mixed disk, built once and reused.</summary>
public static class BenchRepositories
{
    public static (BackupRepository Repository, string RestorePointId) Open(int blockSize, CompressionCodec codec)
    {
        string path = Path.Combine(MixedDisk.Folder, $"repo-{blockSize / 1024}k-{CompressionCodecNames.ToName(codec)}");
        string ready = path + ".ready";
        if (!File.Exists(ready))
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }

            using var created = BackupRepository.Init(path, new RepositoryOptions(blockSize, codec), password: null);
            var point = created.BackupAsync(new BackupRequest("bench", [MixedDisk.EnsureCreated()])).GetAwaiter().GetResult();
            File.WriteAllText(ready, point.Id);
        }

        return (BackupRepository.Open(path, password: null), File.ReadAllText(ready).Trim());
    }
}
