using System.Security.Cryptography;
using System.Text;

namespace Lifeboat.Cli.Quickstart;

/// <summary>
/// A small but realistic VM disk: an ext4 file system (made by Debian's mkfs.ext4 -d, nothing mounted) holding
/// prose, random binaries and duplicate files, with free space left as zeros.
/// </summary>
internal static class SampleDisk
{
    private static readonly string[] Words =
        ["backup", "restore", "virtual", "machine", "disk", "block", "chunk", "cache", "datastore", "recovery",
         "the", "a", "of", "and", "to", "in", "is", "it", "that", "server", "file", "write", "read", "boot"];

    public static async Task CreateAsync(string path, long size, int seed, CancellationToken ct)
    {
        var root = path + ".files";
        if (Directory.Exists(root))
            Directory.Delete(root, recursive: true);
        Directory.CreateDirectory(root);
        var random = new Random(seed);
        for (var i = 0; i < 40; i++)
            File.WriteAllText(Path.Combine(root, $"notes-{i:D2}.txt"), Prose(random, 64 * 1024 + random.Next(256 * 1024)));
        var binaries = Directory.CreateDirectory(Path.Combine(root, "bin")).FullName;
        for (var i = 0; i < 12; i++)
        {
            var bytes = new byte[(1 << 20) + random.Next(1 << 20)];
            random.NextBytes(bytes);
            File.WriteAllBytes(Path.Combine(binaries, $"blob-{i:D2}.bin"), bytes);
        }
        var copies = Directory.CreateDirectory(Path.Combine(root, "copies")).FullName;
        foreach (var file in Directory.GetFiles(binaries).Take(3))
            File.Copy(file, Path.Combine(copies, Path.GetFileName(file)));

        File.Delete(path);
        await ExternalProgram.RunAsync("mkfs.ext4", ["-q", "-F", "-L", "sample", "-d", root, path, $"{size / 1024}k"], "e2fsprogs", ct);
        Directory.Delete(root, recursive: true);
    }

    /// <summary>Changes the disk as a running VM would: a new file written, another removed.</summary>
    public static async Task ChangeAsync(string path, int seed, CancellationToken ct)
    {
        var random = new Random(seed);
        var newFile = path + ".new";
        var bytes = new byte[6 << 20];
        random.NextBytes(bytes);
        File.WriteAllBytes(newFile, bytes);
        await ExternalProgram.RunAsync("debugfs", ["-w", "-R", $"write {newFile} new-data.bin", path], "e2fsprogs", ct);
        await ExternalProgram.RunAsync("debugfs", ["-w", "-R", "rm notes-00.txt", path], "e2fsprogs", ct);
        File.Delete(newFile);
    }

    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static string Prose(Random random, int length)
    {
        var text = new StringBuilder(length + 16);
        while (text.Length < length)
        {
            text.Append(Words[random.Next(Words.Length)]);
            text.Append(random.Next(12) == 0 ? ".\n" : " ");
        }
        return text.ToString();
    }
}
