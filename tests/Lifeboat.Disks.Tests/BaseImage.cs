using System.Security.Cryptography;

namespace Lifeboat.Disks.Tests;

/// <summary>A raw disk image of random bytes (with a zero range) written to a file, used as a published disk's base.</summary>
internal sealed class BaseImage
{
    private BaseImage(string path, byte[] content)
    {
        Path = path;
        Content = content;
    }

    public string Path { get; }

    public byte[] Content { get; }

    public long Length => Content.Length;

    public static BaseImage Create(string path, long length, int seed)
    {
        var content = new byte[length];
        new Random(seed).NextBytes(content);
        content.AsSpan((int)(length / 3), (int)Math.Min(length / 5, 300_000)).Clear();
        File.WriteAllBytes(path, content);
        return new BaseImage(path, content);
    }

    public FileBaseDisk Open() => FileBaseDisk.Open(Path);

    public string HashFile() => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Path)));
}
