using Lifeboat.FileRestore.Archives.Tar;
using Lifeboat.FileRestore.Archives.Zip;

namespace Lifeboat.FileRestore.Tests.Archives;

public sealed class Zip64Tests : IDisposable
{
    private const long BigSize = (4L << 30) + (64L << 20);

    private readonly string _root = Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), "lifeboat-zip64-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose() => Python.RemoveTree(_root);

    [Fact]
    public async Task An_entry_over_4_GiB_has_Zip64_sizes_that_unzip_and_python_read()
    {
        Directory.CreateDirectory(_root);
        var archive = Path.Combine(_root, "big.zip");
        await using (var file = File.Create(archive))
        {
            // Fastest: the sizes are what this test is about, and zlib-ng's level 1 runs through 4 GiB of zeros several times faster.
            var writer = new ZipWriter(file, System.IO.Compression.CompressionLevel.Fastest);
            var data = await writer.BeginFileAsync(CraftedTar.File("big", BigSize), CancellationToken.None);
            var zeros = new byte[1 << 20];
            for (long written = 0; written < BigSize; written += zeros.Length)
                await data.WriteAsync(zeros, CancellationToken.None);
            await writer.EndFileAsync(CancellationToken.None);
            var after = await writer.BeginFileAsync(CraftedTar.File("after", 6), CancellationToken.None);
            await after.WriteAsync("after\n"u8.ToArray(), CancellationToken.None);
            await writer.EndFileAsync(CancellationToken.None);
            await writer.WriteEntryAsync(CraftedTar.Link("link", TarEntryKind.Symlink, "after"), CancellationToken.None);
            await writer.FinishAsync(CancellationToken.None);
        }

        var python = await Python.RunAsync("""
            import sys, zipfile
            z = zipfile.ZipFile(sys.argv[1])
            for i in z.infolist(): print(i.filename, i.file_size, i.compress_size < (64 << 20))
            print(z.read('after').decode(), end='')
            """, archive);
        // Zeros deflate to a few MiB, so no offset passes 4 GiB here: Zip64 offsets and counts are the 100,000-file test's.
        Assert.Equal($"big {BigSize} True\nafter 6 True\nlink 5 True\nafter\n", python);
        Assert.Contains("No errors detected", await Python.BashAsync($"unzip -t '{archive}'"), StringComparison.Ordinal);
    }
}
