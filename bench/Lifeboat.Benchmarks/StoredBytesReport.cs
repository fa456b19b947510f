using System.Diagnostics;
using Lifeboat.Repository;

namespace Lifeboat.Benchmarks;

/// <summary>Stored bytes and backup time of the mixed disk for every block size and codec.</summary>
public static class StoredBytesReport
{
    public static async Task<int> RunAsync()
    {
        string image = MixedDisk.EnsureCreated();
        Console.WriteLine("| block | codec | stored MiB | ratio | backup s | MB/s | CPU s | MB per CPU s |");
        Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (int blockSize in new[] { 16 * 1024, 64 * 1024, 256 * 1024, 1024 * 1024 })
        {
            foreach (var codec in new[] { CompressionCodec.None, CompressionCodec.Lz4, CompressionCodec.Zstd })
            {
                string path = Path.Combine(MixedDisk.Folder, "sizes-repo");
                if (Directory.Exists(path))
                {
                    Directory.Delete(path, recursive: true);
                }

                using var repository = BackupRepository.Init(path, new RepositoryOptions(blockSize, codec), password: null);
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                var stopwatch = Stopwatch.StartNew();
                var point = await repository.BackupAsync(new BackupRequest("bench", [image]));
                double seconds = stopwatch.Elapsed.TotalSeconds;
                double cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
                long data = MixedDisk.Length - (point.Disks[0].ZeroBlocks * blockSize);
                Console.WriteLine($"| {blockSize / 1024}K | {CompressionCodecNames.ToName(codec)} | {point.StoredBytes / 1048576.0:F1} | {(double)data / point.StoredBytes:F2} | {seconds:F2} | {MixedDisk.Length / seconds / 1e6:F0} | {cpuSeconds:F2} | {MixedDisk.Length / cpuSeconds / 1e6:F0} |");
            }
        }

        return 0;
    }
}
