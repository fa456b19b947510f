using System.Net;
using Lifeboat.Server.Tests.Support;

namespace Lifeboat.Server.Tests.FileRestore;

/// <summary>Browse and download over REST, from both restore points of the test disks, through one warm appliance each.</summary>
[Collection(FileRestoreCollection.Name)]
public sealed class FileRestoreBrowseTests(FileRestoreServer fixture)
{
    private readonly HttpClient _http = fixture.Http;

    [Fact]
    public async Task Every_file_system_is_listed_and_known_files_download_bit_exact_from_both_restore_points()
    {
        var listed = await _http.FileSystemsAsync(fixture.Second.Id);
        Assert.Equal(
            GuestFileSystemsDisks.FileSystems.Select(f => $"{f.Name} {f.Type} {f.Label} {f.Browsable}").Order(StringComparer.Ordinal),
            listed.Select(f => $"{f.Name} {f.Type} {f.Label} {f.Problem is null}").Order(StringComparer.Ordinal));
        Assert.All(listed.Where(f => f.Problem is not null), f => Assert.NotEmpty(f.Problem!));

        var (first, second) = (GuestFileSystemsDisks.Files, GuestFileSystemsDisks.SecondFiles);
        Assert.NotEqual(first["sda1:/docs/report.txt"], second["sda1:/docs/report.txt"]);
        foreach (var (session, files) in new[] { (fixture.First, first), (fixture.Second, second) })
        {
            foreach (var (path, hash) in files.Where(f => !(session == fixture.First && f.Key == FileRestoreServer.DamagedFile)))
            {
                var file = fixture.Scratch($"{session.Id}-{Convert.ToHexStringLower(System.Text.Encoding.UTF8.GetBytes(path))[..Math.Min(60, path.Length * 2)]}");
                var (status, error, _) = await _http.DownloadAsync(session.Id, file, "raw", path);
                Assert.True(status == HttpStatusCode.OK && error is null, $"{path} from {session.RestorePoint}: {status} {error}");
                Assert.True(hash == FileRestoreCalls.Sha256(file), $"{path} from {session.RestorePoint} differs");
                File.Delete(file);
            }
        }

        // The file added by the second version is not in the first.
        using (var missing = await _http.GetAsync($"{FileRestoreCalls.Session(fixture.First.Id)}/stat?path=sda1:/docs/added-in-v2.txt"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
            Assert.Contains("added-in-v2.txt", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var readme = fixture.Scratch("readme.txt");
        Assert.Equal(HttpStatusCode.OK, (await _http.DownloadAsync(fixture.Second.Id, readme, "raw", "sda1:/docs/readme.txt")).Status);
        var session2 = await _http.SessionAsync(fixture.Second.Id);
        var ended = session2.Downloads!.Where(d => d.Error is null && d.EndedAt is not null).ToList();
        Assert.NotEmpty(ended);
        Assert.All(ended, d => Assert.Equal("raw", d.Format));
        Assert.Contains(ended, d => d.Paths.SequenceEqual(["sda1:/docs/readme.txt"]) && d.BytesDone == "Lifeboat file-restore test disk, version 1.\n".Length);
    }

    [Fact]
    public async Task A_folder_pages_in_byte_order_and_stat_and_find_tell_modes_owners_and_links()
    {
        var all = await _http.TreeAsync(fixture.Second.Id, "sda1:/docs");
        var page = await _http.TreeAsync(fixture.Second.Id, "sda1:/docs", offset: 2, limit: 3);
        Assert.Equal(all.Total, page.Total);
        Assert.Equal(all.Entries.Skip(2).Take(3).Select(e => e.Path), page.Entries.Select(e => e.Path));
        var names = all.Entries.Select(e => Convert.FromBase64String(e.NameBase64)).ToList();
        Assert.Equal(names.Order(Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b))), names);
        Assert.Contains(all.Entries, e => e.Name == @"new\nline.txt" && e.Path == @"sda1:/docs/new\nline.txt");
        byte[] badName = [.. "bad"u8, 0xff, 0xfe, .. "name.bin"u8];
        Assert.Contains(all.Entries, e => e.Name == @"bad\xff\xfename.bin" && Convert.FromBase64String(e.NameBase64).AsSpan().SequenceEqual(badName));
        var link = Assert.Single(all.Entries, e => e.Name == "link-out");
        Assert.Equal(("symlink", "/../../etc/passwd"), (link.Type, link.LinkTarget));

        var exec = await _http.StatAsync(fixture.Second.Id, "sda1:/docs/exec.sh");
        Assert.Equal(("file", GuestFileSystemsDisks.ExecMode, (long)GuestFileSystemsDisks.ExecOwner, GuestFileSystemsDisks.DocsModifiedAt), (exec.Type, exec.Mode, exec.Uid, exec.ModifiedAt));

        var found = await _http.GetAsync($"{FileRestoreCalls.Session(fixture.Second.Id)}/find?pattern=*.txt&under=sda1:/docs&limit=100", ContractsJsonContext.Default.ListGuestEntryView);
        Assert.Contains(found, e => e.Path == "sda1:/docs/sub/deep/nested.txt");
        Assert.Contains(found, e => e.Path == "sda1:/docs/added-in-v2.txt");
        Assert.DoesNotContain(found, e => !e.Path.EndsWith(".txt", StringComparison.Ordinal));

        using var refused = await _http.GetAsync($"{FileRestoreCalls.Session(fixture.Second.Id)}/tree?path=sda1:/docs&limit=0");
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("\"field\":\"limit\"", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_folder_downloads_as_tar_zst_and_zip_keeping_modes_owners_mtimes_and_symlinks()
    {
        var tarZst = fixture.Scratch("docs.tar.zst");
        Assert.Equal((HttpStatusCode.OK, null), Pick(await _http.DownloadAsync(fixture.Second.Id, tarZst, "tar.zst", "sda1:/docs")));
        await Tools.RunCheckedAsync("zstd", "-t", "-q", tarZst);
        var listing = await Tools.RunCheckedAsync("tar", "--zstd", "--utc", "--numeric-owner", "-tvf", tarZst);
        Assert.Contains("-rwxr-xr-x 1000/1000", Line(listing, "docs/exec.sh"), StringComparison.Ordinal);
        Assert.Contains("2021-03-04 05:06", Line(listing, "docs/exec.sh"), StringComparison.Ordinal);
        Assert.Contains("-rw------- 0/0", Line(listing, "docs/secret.key"), StringComparison.Ordinal);
        Assert.Contains("docs/link-out -> /../../etc/passwd", Line(listing, "docs/link-out"), StringComparison.Ordinal);
        var fromTar = fixture.Scratch("from-tar");
        Directory.CreateDirectory(fromTar);
        await Tools.RunCheckedAsync("tar", "--zstd", "-xf", tarZst, "-C", fromTar);
        Assert.Equal(GuestFileSystemsDisks.SecondFiles["sda1:/docs/report.txt"], FileRestoreCalls.Sha256(Path.Combine(fromTar, "docs", "report.txt")));

        var zip = fixture.Scratch("docs.zip");
        Assert.Equal((HttpStatusCode.OK, null), Pick(await _http.DownloadAsync(fixture.Second.Id, zip, "zip", "sda1:/docs", "sdb2:/btr/file.txt")));
        await Tools.RunCheckedAsync("unzip", "-tq", zip);
        var fromZip = fixture.Scratch("from-zip");
        await Tools.RunCheckedAsync("unzip", "-X", "-q", zip, "-d", fromZip);
        var stat = await Tools.RunCheckedAsync("stat", "-c", "%a %u %g %Y", Path.Combine(fromZip, "docs", "exec.sh"));
        Assert.Equal($"755 1000 1000 {GuestFileSystemsDisks.DocsModifiedAt.ToUnixTimeSeconds()}", stat.Trim());
        Assert.Equal("/../../etc/passwd", new FileInfo(Path.Combine(fromZip, "docs", "link-out")).LinkTarget);
        Assert.Equal(GuestFileSystemsDisks.SecondFiles["sdb2:/btr/file.txt"], FileRestoreCalls.Sha256(Path.Combine(fromZip, "file.txt")));
        Assert.Equal(GuestFileSystemsDisks.SecondFiles["sda1:/docs/random.bin"], FileRestoreCalls.Sha256(Path.Combine(fromZip, "docs", "random.bin")));
    }

    private static (HttpStatusCode, string?) Pick((HttpStatusCode Status, string? Error, string? Id) answer) => (answer.Status, answer.Error);

    private static string Line(string listing, string name) =>
        listing.Split('\n').FirstOrDefault(l => l.Contains(" " + name, StringComparison.Ordinal) && (l.EndsWith(name, StringComparison.Ordinal) || l.Contains(name + " ->", StringComparison.Ordinal)))
        ?? throw new Xunit.Sdk.XunitException($"{name} is not in the listing:\n{listing}");
}
