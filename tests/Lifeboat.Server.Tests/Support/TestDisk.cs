namespace Lifeboat.Server.Tests.Support;

/// <summary>Raw disk files of random bytes for backups of disk files.</summary>
public static class TestDisk
{
    public static string Create(string path, int mebibytes, int seed)
    {
        var random = new Random(seed);
        var buffer = new byte[1 << 20];
        using var file = File.Create(path);
        for (var i = 0; i < mebibytes; i++)
        {
            random.NextBytes(buffer);
            file.Write(buffer);
        }

        return path;
    }

    /// <summary>Overwrites the first MiB, so the next backup has something new to store.</summary>
    public static void Change(string path, int seed)
    {
        var buffer = new byte[1 << 20];
        new Random(seed).NextBytes(buffer);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Write);
        file.Write(buffer);
    }
}
