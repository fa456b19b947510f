using System.Text;

namespace Lifeboat.Repository.Tests.DiskImages;

/// <summary>
/// A small sparse raw disk with the kinds of content a real one has: random bytes, text, holes, a small island of
/// data between holes, explicitly written zeros, and data up to its last byte (its size is not a cluster multiple).
/// </summary>
internal static class SampleDisk
{
    public const int MiB = 1024 * 1024;
    public const long Size = (6 * MiB) + (3 * 512);

    /// <summary>The first hole: no data is ever written here.</summary>
    public const long HoleStart = 2 * MiB;
    public const long HoleEnd = (3 * MiB) + (8 * 1024);

    /// <summary>Writes the disk to <paramref name="path"/> and returns its content.</summary>
    public static byte[] Create(string path, long size = Size, int seed = 1)
    {
        var data = new byte[size];
        var random = new Random(seed);
        random.NextBytes(data.AsSpan(0, MiB));
        FillText(data.AsSpan(MiB, MiB));
        random.NextBytes(data.AsSpan((int)HoleEnd, 12 * 1024));
        random.NextBytes(data.AsSpan((5 * MiB) + 100));

        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        file.SetLength(size);
        Write(file, data, 0, HoleStart);
        Write(file, data, HoleEnd, 12 * 1024);
        Write(file, data, 4 * MiB, size - (4 * MiB)); // includes 1 MiB + 100 bytes of written zeros
        return data;
    }

    private static void Write(FileStream file, byte[] data, long offset, long length)
    {
        file.Position = offset;
        file.Write(data, (int)offset, (int)length);
    }

    private static void FillText(Span<byte> target)
    {
        var text = new StringBuilder();
        for (int line = 0; text.Length < target.Length; line++)
            text.Append("Line ").Append(line).Append(": the quick brown fox jumps over the lazy dog.\n");
        Encoding.ASCII.GetBytes(text.ToString().AsSpan(0, target.Length), target);
    }
}
