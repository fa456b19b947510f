using System.Diagnostics;
using Lifeboat.Repository;

namespace Lifeboat.Benchmarks;

/// <summary>
/// `backup IMAGE [block size] [codec]`: two backups of IMAGE into a fresh repository (the second one all
/// dedup), a restore, and their throughput and the process's peak resident memory.
/// </summary>
public static class BackupThroughputReport
{
    public static async Task<int> RunAsync(string[] args)
    {
        string image = args.Length > 0 ? args[0] : MixedDisk.EnsureCreated();
        int blockSize = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : RepositoryOptions.DefaultBlockSize;
        var codec = args.Length > 2 && CompressionCodecNames.TryParse(args[2], out var parsed) ? parsed : RepositoryOptions.DefaultCompression;
        string path = Path.Combine(MixedDisk.Folder, "throughput-repo");
        string restored = Path.Combine(MixedDisk.Folder, "throughput-restore");
        foreach (string folder in new[] { path, restored })
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }

        long length = new FileInfo(image).Length;
        using var repository = BackupRepository.Init(path, new RepositoryOptions(blockSize, codec), password: null);
        var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var stopwatch = Stopwatch.StartNew();
        var first = await repository.BackupAsync(new BackupRequest("bench", [image]));
        double firstSeconds = stopwatch.Elapsed.TotalSeconds;
        process.Refresh();
        double firstCpu = (process.TotalProcessorTime - cpu).TotalSeconds;
        long firstPeak = process.PeakWorkingSet64;
        cpu = process.TotalProcessorTime;
        stopwatch.Restart();
        var second = await repository.BackupAsync(new BackupRequest("bench", [image]));
        double secondSeconds = stopwatch.Elapsed.TotalSeconds;
        process.Refresh();
        double secondCpu = (process.TotalProcessorTime - cpu).TotalSeconds;
        cpu = process.TotalProcessorTime;
        stopwatch.Restart();
        await repository.RestoreAsync(second.Id, restored, new RestoreOptions());
        double restoreSeconds = stopwatch.Elapsed.TotalSeconds;
        process.Refresh();
        double restoreCpu = (process.TotalProcessorTime - cpu).TotalSeconds;
        Console.WriteLine($"image {length / 1048576} MiB, block {blockSize / 1024}K, {CompressionCodecNames.ToName(codec)}");
        Console.WriteLine($"backup 1: {length / firstSeconds / 1e6:F0} MB/s, stored {first.StoredBytes / 1e6:F1} MB, {firstCpu:F2} CPU s, peak RSS so far {firstPeak / 1048576} MiB, GC heap {GC.GetGCMemoryInfo().HeapSizeBytes / 1048576} MiB");
        Console.WriteLine($"backup 2: {length / secondSeconds / 1e6:F0} MB/s, stored {second.StoredBytes / 1e6:F1} MB, {secondCpu:F2} CPU s");
        Console.WriteLine($"restore:  {length / restoreSeconds / 1e6:F0} MB/s, {restoreCpu:F2} CPU s");
        Console.WriteLine($"peak RSS: {Environment.WorkingSet / 1048576} MiB now, {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576} MiB peak");
        return 0;
    }
}
