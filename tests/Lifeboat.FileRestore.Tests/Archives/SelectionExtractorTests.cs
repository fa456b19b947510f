using Lifeboat.FileRestore.Archives;
using Xunit.Abstractions;
namespace Lifeboat.FileRestore.Tests.Archives;

[Collection(TestTreeCollection.Name)]
public sealed class SelectionExtractorTests
{
    private readonly TestTree _tree;
    private readonly LocalFolderSource _source;

    private readonly ITestOutputHelper _output;

    public SelectionExtractorTests(TestTree tree, ITestOutputHelper output)
    {
        _output = output;
        _tree = tree;
        _source = new LocalFolderSource(tree.Source);
    }

    private GuestPath[] Selection => [_tree.At("/docs"), _tree.At("/other/docs"), _tree.At("/single.bin"), _tree.At("/top-link")];

    [Fact]
    public async Task A_selection_lands_in_the_folder_with_its_names_modes_owners_mtimes_links_and_hard_links()
    {
        var output = _tree.NewFolder("extract");
        var report = await SelectionExtractor.ExtractAsync(_source, Selection, output, null, null, CancellationToken.None);

        Assert.True(report.Succeeded, string.Join("; ", report.Paths.Select(p => p.Error)));
        Assert.True(report.OwnersKept);
        Assert.Equal(["docs", "docs~2", "single.bin", "top-link"], report.Paths.Select(p => p.Name));
        var fifo = Assert.Single(report.Paths[0].Skipped);
        Assert.Equal(("docs/fifo", "devices and fifos are not created"), (fifo.Name, fifo.Reason));
        var expected = (await TreeListing.ListAsync(Path.Combine(_tree.Source, "docs"))).Where(r => !r.StartsWith(Convert.ToHexStringLower("fifo"u8), StringComparison.Ordinal));
        Assert.Equal(expected, await TreeListing.ListAsync(Path.Combine(output, "docs")));
        Assert.Equal(await TreeListing.ListAsync(Path.Combine(_tree.Source, "other", "docs")), await TreeListing.ListAsync(Path.Combine(output, "docs~2")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(_tree.Source, "single.bin")), File.ReadAllBytes(Path.Combine(output, "single.bin")));
        Assert.Equal("docs", new FileInfo(Path.Combine(output, "top-link")).LinkTarget);
        var single = (await TreeListing.ListAsync(output, "ot")).Single(r => r.StartsWith(Convert.ToHexStringLower("single.bin"u8) + " ", StringComparison.Ordinal));
        Assert.Equal("0o100000 0o600 3000 3000 1500000000", string.Join(' ', single.Split(' ')[1..6]));

        // Again into the same folder: refused, naming the first file that exists; with overwrite, done again.
        var again = await SelectionExtractor.ExtractAsync(_source, [_tree.At("/single.bin")], output, null, null, CancellationToken.None);
        Assert.Equal($"'single.bin' exists already in {output}; extract into an empty folder or choose to overwrite.", Assert.Single(again.Paths).Error);
        var overwritten = await SelectionExtractor.ExtractAsync(_source, Selection, output, new ExtractionOptions(Overwrite: true), null, CancellationToken.None);
        Assert.True(overwritten.Succeeded, string.Join("; ", overwritten.Paths.Select(p => p.Error)));
        Assert.Equal(expected, await TreeListing.ListAsync(Path.Combine(output, "docs")));
    }

    [Fact]
    public async Task A_symlink_already_in_the_folder_is_never_written_through()
    {
        var outside = _tree.NewFolder("outside-victim");
        var victim = Path.Combine(outside, "victim");
        await File.WriteAllTextAsync(victim, "untouched");
        var output = _tree.NewFolder("extract-over-links");
        File.CreateSymbolicLink(Path.Combine(output, "single.bin"), victim);
        File.CreateSymbolicLink(Path.Combine(output, "docs"), outside);

        var report = await SelectionExtractor.ExtractAsync(_source, [_tree.At("/single.bin"), _tree.At("/docs")], output, null, null, CancellationToken.None);
        Assert.Equal($"'single.bin' exists already in {output}; extract into an empty folder or choose to overwrite.", report.Paths[0].Error);
        Assert.Equal($"'docs' exists in {output} and is not a folder; extract into an empty folder.", report.Paths[1].Error);

        var overwritten = await SelectionExtractor.ExtractAsync(_source, [_tree.At("/single.bin"), _tree.At("/docs")], output, new ExtractionOptions(Overwrite: true), null, CancellationToken.None);
        Assert.Null(overwritten.Paths[0].Error);
        Assert.Equal($"'docs' exists in {output} and is not a folder; extract into an empty folder.", overwritten.Paths[1].Error);
        Assert.Equal("untouched", await File.ReadAllTextAsync(victim));
        Assert.Equal(["victim"], Directory.GetFileSystemEntries(outside).Select(Path.GetFileName));
        Assert.Null(new FileInfo(Path.Combine(output, "single.bin")).LinkTarget);
        Assert.Equal(File.ReadAllBytes(Path.Combine(_tree.Source, "single.bin")), File.ReadAllBytes(Path.Combine(output, "single.bin")));
    }

    [Fact]
    public async Task A_100000_file_folder_and_a_2_GiB_sparse_file_extract_with_bounded_memory_and_stay_sparse()
    {
        var output = _tree.NewFolder("extract-big");
        ExtractionReport report;
        long growth;
        await using (var memory = new PeakMemory())
        {
            report = await SelectionExtractor.ExtractAsync(_source, [_tree.At("/many"), _tree.At("/big/sparse.img")], output, null, null, CancellationToken.None);
            growth = memory.Growth;
            _output.WriteLine($"extraction: managed heap grew {growth >> 20} MiB (peak {memory.Peak >> 20} MiB) for 2 GiB + 100,000 files");
        }

        Assert.True(report.Succeeded, string.Join("; ", report.Paths.Select(p => p.Error)));
        Assert.True(growth < 96L << 20, $"the managed heap grew by {growth >> 20} MiB while 2 GiB and 100,000 files were extracted");
        Assert.Equal(TestTree.ManyFiles + 1, report.Paths[0].Entries);
        Assert.Equal(TestTree.ManyFiles, Directory.GetFiles(Path.Combine(output, "many")).Length);
        Assert.Equal("99999\n", await File.ReadAllTextAsync(Path.Combine(output, "many", "f099999")));
        var big = Path.Combine(output, "sparse.img");
        var check = await Python.RunAsync($"""
            import os, sys
            p = sys.argv[1]; s = os.stat(p)
            with open(p, 'rb') as f:
                marks = 0
                for at in [0, {TestTree.BigFileSize / 2}, {TestTree.BigFileSize - 5}]:
                    f.seek(at); marks += f.read(5) == b'DATA!'
            print(s.st_size, marks, s.st_blocks * 512 < (1 << 20))
            """, big);
        Assert.Equal($"{TestTree.BigFileSize} 3 True\n", check);
    }
}
