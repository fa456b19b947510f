using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Lifeboat.FileRestore.Tests.Support;

namespace Lifeboat.FileRestore.Tests;

/// <summary>The engine over the real test disks: one libguestfs appliance (TCG here) for the whole class.</summary>
public class FileRestoreBrowserTests(TestDisksAppliance appliance) : IClassFixture<TestDisksAppliance>
{
    private readonly FileRestoreBrowser _browser = appliance.Browser;

    [Fact]
    public async Task Every_file_system_is_listed_by_its_guest_name_with_type_label_and_size()
    {
        var listed = await _browser.ListFileSystemsAsync(CancellationToken.None);
        Assert.Equal(GuestFileSystemsDisks.FileSystems.Select(expected => expected.Name), listed.Select(found => found.Name));
        foreach (var (expected, found) in GuestFileSystemsDisks.FileSystems.Zip(listed))
        {
            Assert.Equal(expected.Type, found.Type);
            Assert.Equal(expected.Label, found.Label);
            Assert.Equal(expected.Browsable, found.CanBrowse);
            Assert.True(found.Size > 0, $"{found.Name} has size {found.Size}");
        }

        Assert.Equal(1L << 30, listed.Single(found => found.Name == "sda1").Size);
        Assert.Contains("swap", listed.Single(found => found.Name == "sdb4").Problem, StringComparison.Ordinal);
        Assert.Contains("could not mount sdb6 (ext4)", listed.Single(found => found.Name == "sdb6").Problem, StringComparison.Ordinal);
        Assert.Contains("no file system", listed.Single(found => found.Name == "sdb5").Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_known_file_of_every_file_system_is_read_bit_exact()
    {
        foreach (var (text, sha256) in GuestFileSystemsDisks.Files)
        {
            using var hash = new HashingStream();
            await _browser.CopyFileAsync(GuestPath.Parse(text), hash, null, CancellationToken.None);
            Assert.True(sha256 == hash.Hex(), $"{text}: SHA-256 {hash.Hex()}, expected {sha256}");
        }
    }

    [Fact]
    public async Task The_2_gib_file_streams_through_with_its_markers_in_place()
    {
        long reported = 0;
        using var hash = new HashingStream();
        var watch = Stopwatch.StartNew();
        await _browser.CopyFileAsync(GuestPath.Parse(GuestFileSystemsDisks.TwoGibFile), hash, new Progress<long>(bytes => reported = bytes), CancellationToken.None);
        Assert.Equal(GuestFileSystemsDisks.TwoGibSize, hash.Length);
        Assert.Equal(GuestFileSystemsDisks.TwoGibHash(), hash.Hex());
        Assert.True(watch.Elapsed < TimeSpan.FromMinutes(5), $"2 GiB took {watch.Elapsed}");
    }

    [Fact]
    public async Task A_download_cancelled_midway_stops_and_the_appliance_still_answers()
    {
        using var cancel = new CancellationTokenSource();
        var progress = new SynchronousProgress(bytes =>
        {
            if (bytes >= 8 << 20)
                cancel.Cancel();
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            _browser.CopyFileAsync(GuestPath.Parse(GuestFileSystemsDisks.TwoGibFile), Stream.Null, progress, cancel.Token));
        using var hash = new HashingStream();
        await _browser.CopyFileAsync(GuestPath.Parse("sda1:/docs/readme.txt"), hash, null, CancellationToken.None);
        Assert.Equal(GuestFileSystemsDisks.Files["sda1:/docs/readme.txt"], hash.Hex());
    }

    [Fact]
    public async Task A_folder_as_tar_keeps_modes_owners_mtimes_and_symlinks()
    {
        var tar = Path.Combine(Path.GetTempPath(), $"lifeboat-fr-{Guid.NewGuid():N}.tar");
        try
        {
            await using (var file = File.Create(tar))
                await _browser.TarFolderAsync(GuestPath.Parse("sda1:/docs"), file, null, CancellationToken.None);
            var listing = Regex.Replace(await Tools.RunCheckedAsync("tar", "--numeric-owner", "--utc", "-tvf", tar), " +", " ");
            Assert.Contains("-rwxr-xr-x 1000/1000 24 2021-03-04 05:06 ./exec.sh\n", listing, StringComparison.Ordinal);
            Assert.Contains("-rw------- 0/0 17 2021-03-04 05:06 ./secret.key\n", listing, StringComparison.Ordinal);
            Assert.Contains("lrwxrwxrwx 0/0 0 2021-03-04 05:06 ./link-out -> /../../etc/passwd\n", listing, StringComparison.Ordinal);
            Assert.Matches(@"\ndrwx------ 1000/1000 0 [0-9-]+ [0-9:]+ \./sub/deep/\n", listing);
            var extracted = Directory.CreateTempSubdirectory("lifeboat-fr-x-").FullName;
            await Tools.RunCheckedAsync("tar", "-xf", tar, "-C", extracted);
            Assert.Equal(GuestFileSystemsDisks.Files["sda1:/docs/random.bin"], Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(extracted, "random.bin")))));
            // .NET cannot name the extracted file whose name is not UTF-8, so it cannot delete it either.
            await Tools.RunCheckedAsync("rm", "-rf", extracted);
        }
        finally
        {
            File.Delete(tar);
        }
    }

    [Fact]
    public async Task Names_with_spaces_newlines_dots_and_bytes_that_are_not_utf8_list_and_read_as_stored()
    {
        var page = await _browser.ListAsync(GuestPath.Parse("sda1:/docs"), 0, 100, CancellationToken.None);
        var names = page.Entries.Select(entry => GuestText.Escape(entry.Name)).ToList();
        Assert.Equal(names.Order(StringComparer.Ordinal).Count(), page.Total);
        foreach (var expected in new[] { "a b c.txt", @"new\nline.txt", @"bad\xff\xfename.bin", "..dots..", "link-out", "sub" })
            Assert.Contains(expected, names);
        for (var i = 1; i < page.Entries.Count; i++)
            Assert.True(page.Entries[i - 1].Name.SequenceCompareTo(page.Entries[i].Name) < 0, $"{page.Entries[i - 1].Path} is listed before {page.Entries[i].Path}");

        var link = page.Entries.Single(entry => entry.Name.SequenceEqual("link-out"u8));
        Assert.Equal(GuestEntryType.Symlink, link.Type);
        Assert.Equal("/../../etc/passwd", Encoding.UTF8.GetString(link.LinkTarget!));
        var exec = page.Entries.Single(entry => entry.Name.SequenceEqual("exec.sh"u8));
        Assert.Equal((GuestFileSystemsDisks.ExecMode, 1000L, 1000L, GuestFileSystemsDisks.DocsModifiedAt), (exec.Mode, exec.Uid, exec.Gid, exec.ModifiedAt));

        var weird = await _browser.StatAsync(GuestPath.Parse(@"sda1:/docs/bad\xff\xfename.bin"), CancellationToken.None);
        Assert.Equal(GuestEntryType.File, weird.Type);
        var error = await Assert.ThrowsAsync<FileRestoreException>(() => _browser.CopyFileAsync(link.Path, Stream.Null, null, CancellationToken.None));
        Assert.Equal("path", error.Field);
        Assert.Contains("symbolic link", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_100000_entry_folder_is_paged_in_byte_order()
    {
        var folder = GuestPath.Parse(GuestFileSystemsDisks.ManyFolder);
        var watch = Stopwatch.StartNew();
        var first = await _browser.ListAsync(folder, 0, 1000, CancellationToken.None);
        var firstTime = watch.Elapsed;
        Assert.Equal(GuestFileSystemsDisks.ManyCount, first.Total);
        Assert.Equal(1000, first.Entries.Count);
        Assert.Equal("f000000", GuestText.Escape(first.Entries[0].Name));
        Assert.Equal("f000999", GuestText.Escape(first.Entries[^1].Name));

        watch.Restart();
        var last = await _browser.ListAsync(folder, 99_500, 1000, CancellationToken.None);
        var laterTime = watch.Elapsed;
        Assert.Equal(500, last.Entries.Count);
        Assert.Equal("f099999", GuestText.Escape(last.Entries[^1].Name));
        Assert.All(last.Entries, entry => Assert.Equal(GuestEntryType.File, entry.Type));
        Assert.True(laterTime < firstTime || laterTime < TimeSpan.FromSeconds(5), $"first page {firstTime}, a later page {laterTime}");
    }

    [Fact]
    public async Task Find_matches_names_under_a_folder_and_across_every_file_system()
    {
        var under = await _browser.FindAsync(GuestPath.Parse("sda1:/docs"), "*.txt", 100, CancellationToken.None);
        Assert.Equal(
            new[] { "sda1:/docs/a b c.txt", @"sda1:/docs/new\nline.txt", "sda1:/docs/readme.txt", "sda1:/docs/report.txt", "sda1:/docs/sub/deep/nested.txt" },
            under.Select(entry => entry.Path.ToString()).Order(StringComparer.Ordinal));
        var everywhere = await _browser.FindAsync(null, "notes.txt", 100, CancellationToken.None);
        Assert.Equal(new[] { "sda3:/Windows/notes.txt", "sdb1:/xfs/notes.txt" }, everywhere.Select(entry => entry.Path.ToString()).Order(StringComparer.Ordinal));
        var limited = await _browser.FindAsync(GuestPath.Parse(GuestFileSystemsDisks.ManyFolder), "f0[0-4]*", 10, CancellationToken.None);
        Assert.Equal(10, limited.Count);
    }

    [Fact]
    public async Task Errors_name_the_file_system_and_path()
    {
        var missing = await Assert.ThrowsAsync<FileRestoreException>(() => _browser.StatAsync(GuestPath.Parse("sda1:/docs/nope"), CancellationToken.None));
        Assert.Equal(("path", "sda1:/docs/nope does not exist."), (missing.Field, missing.Message));
        var notFolder = await Assert.ThrowsAsync<FileRestoreException>(() => _browser.ListAsync(GuestPath.Parse("sda1:/docs/readme.txt"), 0, 10, CancellationToken.None));
        Assert.Equal("path", notFolder.Field);
        Assert.Contains("sda1:/docs/readme.txt is not a folder", notFolder.Message, StringComparison.Ordinal);
        var swap = await Assert.ThrowsAsync<FileRestoreException>(() => _browser.ListAsync(GuestPath.Parse("sdb4:/"), 0, 10, CancellationToken.None));
        Assert.Equal("fileSystem", swap.Field);
        var unknown = await Assert.ThrowsAsync<FileRestoreException>(() => _browser.StatAsync(GuestPath.Parse("sdz9:/"), CancellationToken.None));
        Assert.Equal("fileSystem", unknown.Field);
        Assert.Contains("vg0/root", unknown.Message, StringComparison.Ordinal);
        var dots = await Assert.ThrowsAsync<FileRestoreException>(() => _browser.StatAsync(GuestPath.Parse("sda1:/docs/../../fs1"), CancellationToken.None));
        Assert.Equal("path", dots.Field);
        var folderAsFile = await Assert.ThrowsAsync<FileRestoreException>(() => _browser.CopyFileAsync(GuestPath.Parse("sdb2:/btr"), Stream.Null, null, CancellationToken.None));
        Assert.Contains("sdb2:/btr is a folder", folderAsFile.Message, StringComparison.Ordinal);
    }
}
