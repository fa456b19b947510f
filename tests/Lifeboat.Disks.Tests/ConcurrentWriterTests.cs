namespace Lifeboat.Disks.Tests;

public sealed class ConcurrentWriterTests
{
    [Theory]
    [InlineData(4096, 8)]
    [InlineData(65536, 16)]
    public async Task Concurrent_partial_writes_to_the_same_clusters_all_survive(int clusterSize, int writers)
    {
        using var folder = new TestFolder(onDisk: false);
        var image = BaseImage.Create(folder.Combine("base.raw"), 2 * 1024 * 1024, 8);
        for (int round = 0; round < 4; round++)
        {
            await using var disk = PublishedDisk.Open(image.Open(), folder.Combine($"cache{round}"), new PublishedDiskOptions { ClusterSize = clusterSize });
            int slot = clusterSize / writers;
            const int Clusters = 24;
            var expected = (byte[])image.Content.Clone();
            var payloads = new byte[writers][];
            for (int w = 0; w < writers; w++)
            {
                payloads[w] = new byte[slot - 3];
                new Random((round * 100) + w).NextBytes(payloads[w]);
                for (int c = 0; c < Clusters; c++)
                    payloads[w].CopyTo(expected, ((long)c * clusterSize) + (w * slot) + 1);
            }

            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var tasks = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
            {
                await start.Task;
                for (int c = 0; c < Clusters; c++)
                {
                    var stability = (c + w) % 5 == 0 ? WriteStability.FileSync : WriteStability.Unstable;
                    await disk.WriteAsync(((long)c * clusterSize) + (w * slot) + 1, payloads[w], stability);
                }
            })).ToArray();
            start.SetResult();
            await Task.WhenAll(tasks);

            await DiskAssert.ContentEqualAsync(expected, disk);
            Assert.Equal(Clusters, disk.Stats.WrittenClusters);
        }
    }

    [Fact]
    public async Task Concurrent_readers_and_writers_on_distinct_ranges_see_their_own_data()
    {
        using var folder = new TestFolder(onDisk: false);
        var image = BaseImage.Create(folder.Combine("base.raw"), 4 * 1024 * 1024, 9);
        await using var disk = PublishedDisk.Open(image.Open(), folder.Combine("cache"), new PublishedDiskOptions { ClusterSize = 4096, Hydration = true });
        const int Workers = 6;
        long range = image.Length / Workers;
        var tasks = Enumerable.Range(0, Workers).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            var mine = image.Content.AsSpan((int)(w * range), (int)range).ToArray();
            var buffer = new byte[70_000];
            for (int i = 0; i < 300; i++)
            {
                int count = random.Next(1, buffer.Length);
                long offset = random.NextInt64(0, range - count);
                if (random.Next(2) == 0)
                {
                    random.NextBytes(buffer.AsSpan(0, count));
                    await disk.WriteAsync((w * range) + offset, buffer.AsMemory(0, count), WriteStability.Unstable);
                    buffer.AsSpan(0, count).CopyTo(mine.AsSpan((int)offset));
                }
                else
                {
                    int n = await disk.ReadAsync((w * range) + offset, buffer.AsMemory(0, count));
                    DiskAssert.AssertSame(mine.AsSpan((int)offset, count), buffer.AsSpan(0, n), (w * range) + offset);
                }
            }

            await disk.CommitAsync();
        })).ToArray();
        await Task.WhenAll(tasks);
    }
}
