using BenchmarkDotNet.Attributes;
using Lifeboat.Repository;

namespace Lifeboat.Benchmarks;

/// <summary>
/// Reads from a restore point of the 256 MiB mixed disk. Cold: the decoded-block cache is disabled, so every
/// 4 KiB read decodes its block (the pack is in the page cache). Warm: reads stay within 32 MiB of data that
/// the 64 MiB cache already holds. Sequential: 1 MiB reads through the default cache.
/// </summary>
[MemoryDiagnoser]
public class RestorePointDiskBenchmarks
{
    private const int Reads = 500;
    private const int SequentialReads = 64;

    private readonly byte[] _page = new byte[4096];
    private readonly byte[] _megabyte = new byte[1024 * 1024];
    private BackupRepository? _repository;
    private RestorePointDisk? _cold;
    private RestorePointDisk? _warm;
    private RestorePointDisk? _sequential;
    private long[] _coldOffsets = [];
    private long[] _warmOffsets = [];
    private long _sequentialOffset;

    [Params(16 * 1024, 64 * 1024, 256 * 1024, 1024 * 1024)]
    public int BlockSize { get; set; }

    [Params(CompressionCodec.None, CompressionCodec.Lz4, CompressionCodec.Zstd)]
    public CompressionCodec Codec { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        (_repository, string id) = BenchRepositories.Open(BlockSize, Codec);
        _cold = _repository.OpenDisk(id, 0, cacheBytes: 0);
        _warm = _repository.OpenDisk(id, 0, RestorePointDisk.DefaultCacheBytes);
        _sequential = _repository.OpenDisk(id, 0, RestorePointDisk.DefaultCacheBytes);
        _coldOffsets = MixedDisk.DataPageOffsets(Reads, seed: 1);
        _warmOffsets = MixedDisk.DataPageOffsets(Reads, seed: 2, limit: 32L * 1024 * 1024);
        foreach (long offset in _warmOffsets)
        {
            _warm.Read(offset, _page);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _cold?.Dispose();
        _warm?.Dispose();
        _sequential?.Dispose();
        _repository?.Dispose();
    }

    [Benchmark(OperationsPerInvoke = Reads)]
    public int RandomRead4KCold()
    {
        int total = 0;
        foreach (long offset in _coldOffsets)
        {
            total += _cold!.Read(offset, _page);
        }

        return total;
    }

    [Benchmark(OperationsPerInvoke = Reads)]
    public int RandomRead4KWarm()
    {
        int total = 0;
        foreach (long offset in _warmOffsets)
        {
            total += _warm!.Read(offset, _page);
        }

        return total;
    }

    [Benchmark(OperationsPerInvoke = SequentialReads)]
    public int SequentialRead1M()
    {
        int total = 0;
        for (int i = 0; i < SequentialReads; i++)
        {
            total += _sequential!.Read(_sequentialOffset, _megabyte);
            _sequentialOffset = (_sequentialOffset + _megabyte.Length) % MixedDisk.Length;
        }

        return total;
    }
}
