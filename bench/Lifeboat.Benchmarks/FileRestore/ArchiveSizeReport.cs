using System.Diagnostics;
using Lifeboat.FileRestore;
using Lifeboat.FileRestore.Archives;

namespace Lifeboat.Benchmarks.FileRestore;

/// <summary>
/// The bytes each of <see cref="ArchiveBenchmarks"/>' four ways makes of the same 256 MiB folder, so their times are
/// read beside what they bought. Run: dotnet run -c Release -- archivesizes
/// </summary>
internal static class ArchiveSizeReport
{
    public static async Task<int> RunAsync()
    {
        var bench = new ArchiveBenchmarks();
        bench.Setup();
        var folder = bench.Folder;
        var source = new BenchFolderSource(folder);
        Console.WriteLine($"GNU tar | zstd -3   {Count($"tar --numeric-owner -C '{folder}' -cf - . | zstd -3 -q -c | wc -c"),14:N0}");
        Console.WriteLine($"Lifeboat tar.zst    {await OursAsync(source, ArchiveFormat.TarZst),14:N0}");
        Console.WriteLine($"zip -r              {Count($"cd '{folder}' && zip -q -r -y - . | wc -c"),14:N0}");
        Console.WriteLine($"Lifeboat zip        {await OursAsync(source, ArchiveFormat.Zip),14:N0}");
        return 0;
    }

    private static async Task<long> OursAsync(BenchFolderSource source, ArchiveFormat format)
    {
        var counter = new CountingSink();
        await SelectionArchive.WriteAsync(source, [GuestPath.Parse("bench:/")], format, counter, null, CancellationToken.None);
        return counter.Length;
    }

    private static long Count(string command)
    {
        using var shell = Process.Start(new ProcessStartInfo("bash", ["-c", command]) { RedirectStandardOutput = true })!;
        var output = shell.StandardOutput.ReadToEnd();
        shell.WaitForExit();
        return long.Parse(output.Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private sealed class CountingSink : Stream
    {
        private long _length;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _length;

        public override long Position { get => _length; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => _length += count;

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
