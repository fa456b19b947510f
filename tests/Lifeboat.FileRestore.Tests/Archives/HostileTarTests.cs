using Xunit.Abstractions;
using Lifeboat.FileRestore.Archives;
using Lifeboat.FileRestore.Archives.Tar;

namespace Lifeboat.FileRestore.Tests.Archives;

/// <summary>A guest's folder tar is hostile: crafted names, links and lengths never write outside the folder and fail with a sentence.</summary>
public sealed class HostileTarTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("lifeboat-hostile-").FullName;
    private readonly ITestOutputHelper _output;

    public HostileTarTests(ITestOutputHelper output) => _output = output;

    private string Outside => Path.Combine(_root, "outside");

    public void Dispose() => Python.RemoveTree(_root);

    public static TheoryData<string> Cases => new(Crafts.Keys);

    private static readonly Dictionary<string, (Func<string, Task<byte[]>> Make, string Error)> Crafts = new()
    {
        ["dot-dot"] = (_ => CraftedTar.MakeAsync([(CraftedTar.File("./../x", 3), "bad"u8.ToArray())]),
            "The folder's tar holds the name './../x', which climbs out of it with '..'; the file system is damaged or hostile."),
        ["absolute"] = (outside => CraftedTar.MakeAsync([(CraftedTar.File(outside + "/abs", 3), "bad"u8.ToArray())]),
            "The folder's tar holds the absolute name 'OUTSIDE/abs'; the file system is damaged or hostile."),
        ["symlink-then-file"] = (outside => CraftedTar.MakeAsync([(CraftedTar.Link("./a", TarEntryKind.Symlink, outside), null), (CraftedTar.File("./a/x", 3), "bad"u8.ToArray())]),
            "'crafted/a/x' would be written through 'crafted/a', which is a symlink or a file, not a folder; nothing is written outside ROOT."),
        ["hard-link-up"] = (_ => CraftedTar.MakeAsync([(CraftedTar.Link("./h", TarEntryKind.HardLink, "../../etc/passwd"), null)]),
            "The folder's tar holds the name '../../etc/passwd', which climbs out of it with '..'; the file system is damaged or hostile."),
        ["huge-size"] = (async _ => (await CraftedTar.MakeAsync([(CraftedTar.File("./huge", 1L << 40), null)], endMarker: false)).Concat(new byte[4096]).ToArray(),
            "The tar ends inside the data of './huge': it was cut short."),
        ["bad-checksum"] = (async _ => Damage(await CraftedTar.MakeAsync([(CraftedTar.File("./ok", 3), "abc"u8.ToArray())]), 0, (byte)'k'),
            "A tar header's checksum does not match its bytes: the tar is damaged."),
        ["cut-in-header"] = (async _ => (await CraftedTar.MakeAsync([(CraftedTar.File("./ok", 3), "abc"u8.ToArray())]))[..1124],
            "The tar ends inside a header: it was cut short."),
        ["no-end-marker"] = (_ => CraftedTar.MakeAsync([(CraftedTar.File("./ok", 3), "abc"u8.ToArray())], endMarker: false),
            "The tar ends without its end marker: it was cut short."),
        ["long-name-over-cap"] = (async _ =>
            {
                var tar = await CraftedTar.MakeAsync([(CraftedTar.File("./x", 70_000), new byte[70_000])]);
                CraftedTar.Retype(tar, 0, (byte)'L');
                return tar;
            },
            "The tar holds a long name of 70000 bytes; names over 65536 bytes are refused."),
        ["pax-bad-length"] = (async _ =>
            {
                var tar = await CraftedTar.MakeAsync([(CraftedTar.File("./p", 12), "99 path=x\n\0\0"u8.ToArray()), (CraftedTar.File("./ok", 3), "abc"u8.ToArray())]);
                CraftedTar.Retype(tar, 0, (byte)'x');
                return tar;
            },
            "A PAX record's length does not match its bytes: the tar is damaged."),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_crafted_tar_writes_nothing_outside_the_folder_and_fails_with_a_sentence(string craft)
    {
        Directory.CreateDirectory(Outside);
        var output = Path.Combine(_root, "output");
        var (make, error) = Crafts[craft];
        var source = new CraftedTarSource(await make(Outside));
        var expected = error.Replace("OUTSIDE", Outside, StringComparison.Ordinal).Replace("ROOT", output, StringComparison.Ordinal);

        var report = await SelectionExtractor.ExtractAsync(source, [GuestPath.Parse("crafted:/")], output, null, null, CancellationToken.None);
        Assert.Equal(expected, Assert.Single(report.Paths).Error);
        Assert.Empty(Directory.GetFileSystemEntries(Outside));
        Assert.Equal([output, Outside], Directory.GetFileSystemEntries(_root).Order());

        // An archive holds names, it does not write through them: only the tar's own faults stop it.
        if (expected.StartsWith("'", StringComparison.Ordinal))
            return;
        using var archive = new MemoryStream();
        var thrown = await Assert.ThrowsAsync<FileRestoreException>(() => SelectionArchive.WriteAsync(source, [GuestPath.Parse("crafted:/")], ArchiveFormat.Zip, archive, null, CancellationToken.None));
        Assert.Equal(expected, thrown.Message);
    }

    [Fact]
    public async Task A_read_that_fails_under_the_folder_fails_that_path_with_the_sources_sentence_and_the_next_path_goes_on()
    {
        var tar = await CraftedTar.MakeAsync([(CraftedTar.File("./first", 3), "abc"u8.ToArray()), (CraftedTar.File("./second", 1 << 20), null)], endMarker: false);
        const string damaged = "sda1:/data/second could not be read: chunk 9f2c is damaged (disk 0, offset 1048576).";
        var source = new CraftedTarSource(tar, new FileRestoreException(damaged, "path"));
        var output = Path.Combine(_root, "output");

        var report = await SelectionExtractor.ExtractAsync(source, [GuestPath.Parse("crafted:/"), GuestPath.Parse("other:/")], output, null, null, CancellationToken.None);
        Assert.Equal([damaged, damaged], report.Paths.Select(p => p.Error));
        Assert.Equal(["crafted", "other"], report.Paths.Select(p => p.Name));
        Assert.True(Directory.Exists(Path.Combine(output, "other")), "the second path was not tried after the first failed");

        using var archive = new MemoryStream();
        var thrown = await Assert.ThrowsAsync<FileRestoreException>(() => SelectionArchive.WriteAsync(source, [GuestPath.Parse("crafted:/")], ArchiveFormat.TarZst, archive, null, CancellationToken.None));
        Assert.Equal(damaged, thrown.Message);
    }

    [Fact]
    public async Task Randomly_damaged_tars_fail_with_a_sentence_and_write_nothing_outside()
    {
        var outside = Path.Combine(_root, "outside");
        Directory.CreateDirectory(outside);
        var tar = await CraftedTar.MakeAsync([
            (CraftedTar.File("./a/" + new string('n', 150), 700), new byte[700]),
            (CraftedTar.Link("./link", TarEntryKind.Symlink, outside), null),
            (CraftedTar.Link("./hard", TarEntryKind.HardLink, "./a/" + new string('n', 150)), null),
            (CraftedTar.File("./b", 3), "abc"u8.ToArray()),
        ]);
        var random = new Random(19);
        var errors = new List<string>();
        for (var round = 0; round < 200; round++)
        {
            var damaged = tar.ToArray();
            for (var flips = random.Next(1, 8); flips > 0; flips--)
                damaged[random.Next(damaged.Length)] = (byte)random.Next(256);
            if (round % 4 != 0)
                CraftedTar.FixChecksums(damaged);
            var output = Path.Combine(_root, "round-" + round);
            var report = await SelectionExtractor.ExtractAsync(new CraftedTarSource(damaged), [GuestPath.Parse("crafted:/")], output, null, null, CancellationToken.None);
            var error = Assert.Single(report.Paths).Error;
            Assert.True(error is null || error.EndsWith('.'), $"round {round}: {error}");
            errors.Add(error?.Split('\'')[0] ?? "none");
            Assert.Empty(Directory.GetFileSystemEntries(outside));
        }

        Assert.Equal(201, Directory.GetFileSystemEntries(_root).Length);
        _output.WriteLine(string.Join("\n", errors.CountBy(e => e).OrderByDescending(e => e.Value).Select(e => $"{e.Value,4} {e.Key}")));
    }

    private static byte[] Damage(byte[] tar, int at, byte value)
    {
        tar[at] = value;
        return tar;
    }
}
