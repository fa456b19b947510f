using Lifeboat.FileRestore.Archives.Tar;

namespace Lifeboat.FileRestore.Tests.Archives;

public sealed class TarFormatTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("lifeboat-tar-").FullName;

    public void Dispose() => Python.RemoveTree(_root);

    [Fact]
    public async Task Names_that_are_long_or_not_utf8_round_trip_through_GNU_tar_in_both_directions()
    {
        byte[] longName = [.. Enumerable.Repeat((byte)'d', 120), (byte)'/', 0xFF, 0xFE, (byte)'\n', .. Enumerable.Repeat((byte)'n', 150)];
        byte[] longTarget = [.. Enumerable.Repeat((byte)'t', 300)];
        var ours = Path.Combine(_root, "ours.tar");
        await File.WriteAllBytesAsync(ours, await CraftedTar.MakeAsync([
            (new TarEntry(longName, TarEntryKind.File, 0x1ED, 70000, 2_000_000_000, 5, -86400, UserName: "someone"), "data\n"u8.ToArray()),
            (new TarEntry("link"u8.ToArray(), TarEntryKind.Symlink, 0x1FF, 0, 0, 0, 1600000000, longTarget), null),
        ]));

        // GNU tar reads what we wrote: names' bytes, a long link, a large uid and gid, a time before 1970.
        var extracted = Path.Combine(_root, "x");
        Directory.CreateDirectory(extracted);
        await Tools.RunCheckedAsync("tar", "--numeric-owner", "-xpf", ours, "-C", extracted);
        var listing = await TreeListing.ListAsync(extracted, "ot");
        Assert.Contains(listing, r => r.StartsWith(Convert.ToHexStringLower(longName) + " 0o100000 0o755 70000 2000000000 -86400 5 ", StringComparison.Ordinal));
        Assert.Contains(listing, r => r.EndsWith(" " + Convert.ToHexStringLower(longTarget), StringComparison.Ordinal));

        // We read what GNU tar writes, as GNU and as PAX (its path, linkpath, uid, gid and mtime records).
        foreach (var format in new[] { "gnu", "pax" })
        {
            var theirs = Path.Combine(_root, format + ".tar");
            var (exitCode, output) = await Tools.RunAsync("tar", "--numeric-owner", "--format=" + format, "-cf", theirs, "-C", extracted, ".");
            var entries = new List<TarEntry>();
            await using (var stream = File.OpenRead(theirs))
            {
                var reader = new TarReader(stream);
                while (await reader.NextAsync(CancellationToken.None) is { } entry)
                    entries.Add(entry);
            }

            Assert.True(exitCode == 0, output);
            var file = Assert.Single(entries, e => e.Kind == TarEntryKind.File);
            Assert.Equal([.. "./"u8, .. longName], file.Name);
            Assert.Equal((0x1ED, 70000L, 2_000_000_000L, 5L, -86400L), (file.Mode, file.Uid, file.Gid, file.Size, file.ModifiedAt));
            Assert.Equal(longTarget, Assert.Single(entries, e => e.Kind == TarEntryKind.Symlink).LinkName);
        }
    }

    [Theory]
    [InlineData(9L << 30, 12)]
    [InlineData(-1, 12)]
    [InlineData(1L << 40, 8)]
    [InlineData(0x1FFFFF, 8)]
    public void Numbers_octal_cannot_hold_are_written_base_256_and_read_back(long value, int width)
    {
        var field = new byte[width];
        TarNumber.Write(field, value);
        Assert.Equal(value, TarNumber.Parse(field, "size"));
    }

    [Theory]
    [InlineData("12x4567\0", "The tar header's size field is not an octal number.")]
    [InlineData("\u0080\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff", "The tar header's size field holds a number too large to use.")]
    public void A_field_that_is_not_a_number_is_refused(string field, string error) =>
        Assert.Equal(error, Assert.Throws<FileRestoreException>(() => TarNumber.Parse(System.Text.Encoding.Latin1.GetBytes(field), "size")).Message);
}
