using System.Text;

namespace Lifeboat.Repository.Tests.Support;

/// <summary>Builds disk images with known content: random, text, zeros and holes, from a seed.</summary>
internal static class SampleImages
{
    private static readonly string[] Words =
    [
        "lifeboat", "restore", "point", "block", "chunk", "virtual", "machine", "disk", "backup", "kernel",
        "ext4", "inode", "journal", "superblock", "the", "a", "of", "and", "to", "in", "is", "boot", "nfs",
    ];

    public enum Kind
    {
        Random,
        Text,
        Zeros,
        Hole,
    }

    /// <summary>Writes a file of <paramref name="length"/> bytes made of <paramref name="segmentLength"/> segments cycling through <paramref name="pattern"/>.</summary>
    public static byte[] Write(string path, long length, int seed, int segmentLength, params Kind[] pattern)
    {
        var content = new byte[length];
        var random = new Random(seed);
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        file.SetLength(length);
        for (long offset = 0, i = 0; offset < length; offset += segmentLength, i++)
        {
            int count = (int)Math.Min(segmentLength, length - offset);
            var segment = content.AsSpan((int)offset, count);
            var kind = pattern[i % pattern.Length];
            switch (kind)
            {
                case Kind.Random:
                    random.NextBytes(segment);
                    break;
                case Kind.Text:
                    FillText(segment, random);
                    break;
            }

            if (kind != Kind.Hole)
            {
                file.Position = offset;
                file.Write(segment);
            }
        }

        return content;
    }

    /// <summary>A typical mixed disk: random, text, zeros and holes in 64 KiB pieces, not a multiple of any block size.</summary>
    public static byte[] WriteMixed(string path, long length, int seed) =>
        Write(path, length, seed, 64 * 1024, Kind.Random, Kind.Text, Kind.Hole, Kind.Text, Kind.Zeros, Kind.Random, Kind.Hole, Kind.Hole);

    public static void FillText(Span<byte> destination, Random random)
    {
        var builder = new StringBuilder();
        while (builder.Length < destination.Length)
        {
            builder.Append(Words[random.Next(Words.Length)]).Append(random.Next(8) == 0 ? ".\n" : " ");
        }

        Encoding.ASCII.GetBytes(builder.ToString().AsSpan(0, destination.Length), destination);
    }

    /// <summary>Overwrites <paramref name="length"/> bytes at <paramref name="offset"/> with fresh random data (also in <paramref name="content"/>).</summary>
    public static void Scribble(string path, byte[] content, long offset, int length, int seed)
    {
        var segment = content.AsSpan((int)offset, length);
        new Random(seed).NextBytes(segment);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Write);
        file.Position = offset;
        file.Write(segment);
    }

    public static void AssertFileEquals(byte[] expected, string path)
    {
        var actual = File.ReadAllBytes(path);
        Assert.Equal(expected.Length, actual.Length);
        int mismatch = expected.AsSpan().CommonPrefixLength(actual);
        Assert.True(mismatch == expected.Length, $"'{path}' differs from the source at byte {mismatch}.");
    }

    public static void AssertFilesEqual(string expectedPath, string actualPath) =>
        AssertFileEquals(File.ReadAllBytes(expectedPath), actualPath);
}
