using Lifeboat.FileRestore.Archives;
using Xunit.Abstractions;


namespace Lifeboat.FileRestore.Tests.Archives;

[Collection(TestTreeCollection.Name)]
public sealed class SelectionArchiveTests
{
    private const long MemoryCap = 96L << 20;

    private readonly TestTree _tree;
    private readonly LocalFolderSource _source;

    private readonly ITestOutputHelper _output;

    public SelectionArchiveTests(TestTree tree, ITestOutputHelper output)
    {
        _output = output;
        _tree = tree;
        _source = new LocalFolderSource(tree.Source);
    }

    private GuestPath[] Selection => [_tree.At("/docs"), _tree.At("/other/docs"), _tree.At("/single.bin"), _tree.At("/top-link")];

    [Fact]
    public async Task A_tar_zst_keeps_names_modes_owners_mtimes_links_and_data_as_GNU_tar_reads_them()
    {
        var archive = Path.Combine(_tree.NewFolder("tarzst"), "out.tar.zst");
        long progress = 0;
        await using (var file = File.Create(archive))
            await SelectionArchive.WriteAsync(_source, Selection, ArchiveFormat.TarZst, file, new SyncProgress(b => progress = b), CancellationToken.None);

        await Tools.RunCheckedAsync("zstd", "-t", "-q", archive);
        var listing = await Tools.RunCheckedAsync("bash", "-c", $"zstd -dc '{archive}' | tar --numeric-owner -tvf -");
        Assert.Contains("1234/5678", listing, StringComparison.Ordinal);
        Assert.Contains("docs/link-out -> /etc/passwd", listing, StringComparison.Ordinal);
        Assert.Matches("docs/(hard link to docs/plain.txt|plain.txt link to docs/hard)", listing);
        Assert.Contains("docs~2/x", listing, StringComparison.Ordinal);

        var output = _tree.NewFolder("tarzst-x");
        await Tools.RunCheckedAsync("bash", "-c", $"zstd -dc '{archive}' | tar --numeric-owner -xpf - -C '{output}'");
        Assert.Equal(await TreeListing.ListAsync(Path.Combine(_tree.Source, "docs")), await TreeListing.ListAsync(Path.Combine(output, "docs")));
        Assert.Equal(await TreeListing.ListAsync(Path.Combine(_tree.Source, "other", "docs")), await TreeListing.ListAsync(Path.Combine(output, "docs~2")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(_tree.Source, "single.bin")), File.ReadAllBytes(Path.Combine(output, "single.bin")));
        Assert.Equal("docs", new FileInfo(Path.Combine(output, "top-link")).LinkTarget);
        var dataBytes = (await TreeListing.ListAsync(Path.Combine(_tree.Source, "docs"), "")).Select(r => r.Split(' ')).Where(r => r[1] == "0o100000" && r.Length > 4).Sum(r => long.Parse(r[3], System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(progress >= dataBytes + (1 << 20), $"progress said {progress} bytes where the files hold {dataBytes + (1 << 20)}");
    }

    [Fact]
    public async Task A_zip_keeps_names_modes_owners_mtimes_and_links_as_unzip_and_python_read_them()
    {
        var archive = Path.Combine(_tree.NewFolder("zip"), "out.zip");
        await using (var file = File.Create(archive))
            await SelectionArchive.WriteAsync(_source, Selection, ArchiveFormat.Zip, file, null, CancellationToken.None);

        await Tools.RunCheckedAsync("unzip", "-tq", archive);
        var details = await Tools.RunCheckedAsync("unzip", "-Z", "-v", archive);
        Assert.Contains("file system or operating system of origin:      Unix", details, StringComparison.Ordinal);
        Assert.Contains("A subfield with ID 0x7875 (Unix UID/GID (any size)) and 11 data bytes", details, StringComparison.Ordinal);

        var output = _tree.NewFolder("zip-x");
        await Tools.RunCheckedAsync("unzip", "-q", "-X", "-K", archive, "-d", output);
        // A zip has no fifos and no hard links: the fifo is left out and the hard link is a second copy. unzip sets no
        // symlink's mtime and drops a newline and a 0xFF byte from names (those names are checked in the zip by Python below).
        var expected = (await TreeListing.ListAsync(Path.Combine(_tree.Source, "docs"), "otL")).Where(r => !r.StartsWith("6669666f ", StringComparison.Ordinal) && !r.StartsWith("6e65770a", StringComparison.Ordinal) && !r.StartsWith("fffe", StringComparison.Ordinal));
        Assert.Equal(expected, (await TreeListing.ListAsync(Path.Combine(output, "docs"), "otL")).Where(r => !r.StartsWith("6e65776c", StringComparison.Ordinal) && !r.StartsWith("fe2d", StringComparison.Ordinal)));
        Assert.Equal(await TreeListing.ListAsync(Path.Combine(_tree.Source, "other", "docs")), await TreeListing.ListAsync(Path.Combine(output, "docs~2")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(_tree.Source, "single.bin")), File.ReadAllBytes(Path.Combine(output, "single.bin")));
        Assert.Equal("docs", new FileInfo(Path.Combine(output, "top-link")).LinkTarget);

        var python = await Python.RunAsync("""
            import sys, zipfile, stat
            z = zipfile.ZipFile(sys.argv[1])
            assert z.testzip() is None
            for i in z.infolist():
                raw = i.filename.encode('utf-8' if i.flag_bits & 0x800 else 'cp437')
                print(raw.hex(), oct(i.external_attr >> 16), i.create_system, 'utf8' if i.flag_bits & 0x800 else 'raw')
            """, archive);
        Assert.Contains($"{Convert.ToHexStringLower("docs/link-out"u8)} 0o120777 3 utf8", python, StringComparison.Ordinal);
        Assert.Contains($"{Convert.ToHexStringLower("docs/setuid"u8)} 0o104755 3 utf8", python, StringComparison.Ordinal);
        Assert.Contains($"{Convert.ToHexStringLower("docs/new\nline"u8)} 0o100644 3 utf8", python, StringComparison.Ordinal);
        Assert.Contains($"{Convert.ToHexStringLower([.. "docs/"u8, 0xFF, 0xFE, .. "-dir/inner.bin"u8])} 0o100644 3 raw", python, StringComparison.Ordinal);
        Assert.Contains($"{Convert.ToHexStringLower([.. "docs/"u8, 0xFF, 0xFE, .. "-dir/"u8])} 0o40711 3 raw", python, StringComparison.Ordinal);
        Assert.Contains($"{Convert.ToHexStringLower([.. "docs/caf"u8, 0xE9, .. " latin1"u8])} 0o100604 3 raw", python, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_100000_file_folder_and_a_2_GiB_file_stream_through_with_bounded_memory()
    {
        GuestPath[] selection = [_tree.At("/many"), _tree.At("/big/sparse.img")];
        var folder = _tree.NewFolder("big-archives");
        foreach (var format in new[] { ArchiveFormat.TarZst, ArchiveFormat.Zip })
        {
            var archive = Path.Combine(folder, "out" + SelectionArchive.Extension(format));
            long growth;
            await using (var memory = new PeakMemory())
            {
                await using (var file = File.Create(archive))
                    await SelectionArchive.WriteAsync(_source, selection, format, new ResponseStream(file), null, CancellationToken.None);
                growth = memory.Growth;
                _output.WriteLine($"{format}: managed heap grew {growth >> 20} MiB (peak {memory.Peak >> 20} MiB) for 2 GiB + 100,000 files, {new FileInfo(archive).Length >> 10} KiB out");
            }

            Assert.True(growth < MemoryCap, $"{format}: the managed heap grew by {growth >> 20} MiB while 2 GiB and 100,000 files passed (cap {MemoryCap >> 20} MiB)");
            var check = format == ArchiveFormat.TarZst
                ? $"zstd -dc '{archive}' | tar -tf - | grep -c '^many/f'; zstd -dc '{archive}' | tar -xOf - sparse.img | python3 -c \"{BigFileCheck}\""
                : $"python3 -c \"import zipfile,sys; print(sum(n.startswith('many/f') for n in zipfile.ZipFile('{archive}').namelist()))\"; unzip -p '{archive}' sparse.img | python3 -c \"{BigFileCheck}\"";
            var output = await Python.BashAsync(check);
            Assert.Equal($"{TestTree.ManyFiles}\nsize={TestTree.BigFileSize} data=3\n", output);
        }
    }

    /// <summary>Reads a stream and prints its size and how many of the three 'DATA!' marks are where the tree wrote them.</summary>
    private static string BigFileCheck => $"import sys; f=sys.stdin.buffer; n=0; marks=0; want=[0,{TestTree.BigFileSize / 2},{TestTree.BigFileSize - 5}]\n" +
        "while True:\n  b=f.read(1<<22)\n  if not b: break\n  for w in want:\n    if n<=w<n+len(b) and b[w-n:w-n+5]==b'DATA!': marks+=1\n  n+=len(b)\nprint('size=%d data=%d'%(n,marks))";

    private sealed class SyncProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
