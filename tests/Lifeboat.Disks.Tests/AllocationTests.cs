using Lifeboat.Repository;

namespace Lifeboat.Disks.Tests;

/// <summary>
/// <see cref="PublishedDisk.DescribeAllocation"/>: what NBD's base:allocation reports, from the restore point's
/// zero blocks and the clusters written since publication.
/// </summary>
public sealed class AllocationTests
{
    private const int Block = 64 * 1024;

    [Fact]
    public async Task Zero_blocks_of_the_restore_point_are_zero_until_written()
    {
        using var folder = new TestFolder(onDisk: false);
        var path = folder.Combine("disk0.raw");
        var content = new byte[8 * Block];
        new Random(5).NextBytes(content.AsSpan(0, 2 * Block));
        new Random(6).NextBytes(content.AsSpan(5 * Block, Block));
        await File.WriteAllBytesAsync(path, content);
        string repositoryPath = folder.Combine("repo");
        string restorePoint;
        using (var repository = BackupRepository.Init(repositoryPath, new RepositoryOptions(BlockSize: Block), password: null))
            restorePoint = (await repository.BackupAsync(new BackupRequest("vm1", [path]))).Id;

        using var opened = BackupRepository.Open(repositoryPath, password: null);
        await using var disk = PublishedDisk.Open(RestorePointBaseDisk.Open(opened, restorePoint, 0), folder.Combine("cache"), new PublishedDiskOptions { ClusterSize = Block });
        Assert.Equal(
            [new(0, 2 * Block, false), new(2 * Block, 3 * Block, true), new(5 * Block, Block, false), new(6 * Block, 2 * Block, true)],
            Describe(disk, 0, content.Length));

        // A write into a zero block makes its cluster data; a range starting mid-cluster is described from there.
        await disk.WriteAsync((3 * Block) + 100, new byte[] { 1 }, WriteStability.Unstable);
        Assert.Equal(
            [new(2 * Block, Block, true), new(3 * Block, Block, false), new(4 * Block, Block, true), new(5 * Block, 10, false)],
            Describe(disk, 2 * Block, (3 * Block) + 10));

        // At most maxRuns runs: the caller asks again from where they stop.
        var runs = new List<DiskAllocationRun>();
        disk.DescribeAllocation(0, content.Length, 2, runs);
        Assert.Equal([new(0, 2 * Block, false), new(2 * Block, Block, true)], runs);
    }

    [Fact]
    public async Task A_base_that_cannot_tell_is_all_data()
    {
        using var folder = new TestFolder(onDisk: false);
        var image = BaseImage.Create(folder.Combine("disk0.raw"), 4 * Block, 9);
        await using var disk = PublishedDisk.Open(image.Open(), folder.Combine("cache"), new PublishedDiskOptions { ClusterSize = Block });
        Assert.Equal([new DiskAllocationRun(0, 4 * Block, false)], Describe(disk, 0, 4 * Block));
    }

    private static List<DiskAllocationRun> Describe(PublishedDisk disk, long offset, long length)
    {
        var runs = new List<DiskAllocationRun>();
        disk.DescribeAllocation(offset, length, 1000, runs);
        return runs;
    }
}
