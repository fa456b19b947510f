namespace Lifeboat.Disks.Tests;

/// <summary>Random reads, writes, commits, resizes and reopens, checked against an in-memory model of the disk.</summary>
public sealed class RandomWorkloadTests
{
    public static TheoryData<int, int, bool> Cases()
    {
        var data = new TheoryData<int, int, bool>();
        for (int seed = 1; seed <= 12; seed++)
        {
            data.Add(seed, 4096, false);
            data.Add(seed, 64 * 1024, seed % 3 == 0);
            if (seed % 4 == 0)
                data.Add(seed, 1024 * 1024, false);
        }

        data.Add(100, 4096, true);
        data.Add(101, 64 * 1024, true);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Random_operations_match_the_model(int seed, int clusterSize, bool hydration)
    {
        using var folder = new TestFolder(onDisk: false);
        var random = new Random(seed);
        var image = BaseImage.Create(folder.Combine("base.raw"), (1024 * 1024) + random.Next(0, 200_000), seed);
        var model = new DiskModel(image.Content);
        var options = new PublishedDiskOptions { ClusterSize = clusterSize, Hydration = hydration, ReadAheadBytes = 256 * 1024 };
        string cache = folder.Combine("cache");
        var disk = PublishedDisk.Open(image.Open(), cache, options);
        try
        {
            var buffer = new byte[400_000];
            for (int op = 0; op < 250; op++)
            {
                int dice = random.Next(100);
                if (dice < 45)
                {
                    int count = random.Next(4) == 0 ? random.Next(1, 300_000) : random.Next(1, 20_000);
                    long offset = random.NextInt64(0, model.Length + 5_000);
                    random.NextBytes(buffer.AsSpan(0, count));
                    var stability = (WriteStability)random.Next(3);
                    await disk.WriteAsync(offset, buffer.AsMemory(0, count), stability);
                    model.Write(offset, buffer.AsSpan(0, count));
                }
                else if (dice < 85)
                {
                    int count = random.Next(1, random.Next(3) == 0 ? 400_000 : 70_000);
                    long offset = random.NextInt64(0, model.Length + 1_000);
                    int n = await disk.ReadAsync(offset, buffer.AsMemory(0, count));
                    DiskAssert.AssertSame(model.Read(offset, count), buffer.AsSpan(0, n), offset);
                }
                else if (dice < 90)
                {
                    await disk.CommitAsync();
                }
                else if (dice < 95)
                {
                    long length = random.NextInt64(model.Length / 2, (model.Length * 3 / 2) + 1);
                    await disk.SetLengthAsync(length);
                    model.SetLength(length);
                    Assert.Equal(length, disk.Length);
                }
                else
                {
                    await disk.DisposeAsync();
                    disk = PublishedDisk.Open(image.Open(), cache, options);
                    Assert.Equal(model.Length, disk.Length);
                }
            }

            await DiskAssert.ContentEqualAsync(model.Content.ToArray(), disk);
            await disk.DisposeAsync();
            disk = PublishedDisk.Open(image.Open(), cache, options);
            await DiskAssert.ContentEqualAsync(model.Content.ToArray(), disk);
        }
        finally
        {
            await disk.DisposeAsync();
        }

        Assert.Equal(image.Content, await File.ReadAllBytesAsync(image.Path));
    }
}
