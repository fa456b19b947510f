using System.Security.Cryptography;
using System.Text;

namespace Lifeboat.Cli.Tests;

/// <summary>Disk images with a mix of what VM disks hold: text, random bytes, zeros and holes.</summary>
internal static class TestDisks
{
    public static void Create(string path, long size, int seed)
    {
        var random = new Random(seed);
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        file.SetLength(size);
        var chunk = new byte[256 * 1024];
        for (long offset = 0; offset < size; offset += chunk.Length)
        {
            switch ((offset / chunk.Length) % 4)
            {
                case 0:
                    random.NextBytes(chunk);
                    break;
                case 1:
                    var text = Encoding.ASCII.GetBytes($"block {offset} of a test disk, seed {seed}. ");
                    for (var i = 0; i < chunk.Length; i++)
                        chunk[i] = text[i % text.Length];
                    break;
                case 2:
                    continue; // a hole
                default:
                    Array.Clear(chunk);
                    break;
            }
            file.Position = offset;
            file.Write(chunk, 0, (int)Math.Min(chunk.Length, size - offset));
        }
    }

    /// <summary>Overwrites a few scattered 4 KiB pieces, as a running guest would.</summary>
    public static void Change(string path, int seed, int pieces)
    {
        var random = new Random(seed);
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        var piece = new byte[4096];
        for (var i = 0; i < pieces; i++)
        {
            random.NextBytes(piece);
            file.Position = random.NextInt64(file.Length / 4096) * 4096;
            file.Write(piece);
        }
    }

    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
