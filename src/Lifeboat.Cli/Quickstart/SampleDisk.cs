using System.Diagnostics;
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

    public static void Create(string path, long size, int seed)
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
        Run("mkfs.ext4", "-q", "-F", "-L", "sample", "-d", root, path, $"{size / 1024}k");
        Directory.Delete(root, recursive: true);
    }

    /// <summary>Changes the disk as a running VM would: a new file written, another removed.</summary>
    public static void Change(string path, int seed)
    {
        var random = new Random(seed);
        var newFile = path + ".new";
        var bytes = new byte[6 << 20];
        random.NextBytes(bytes);
        File.WriteAllBytes(newFile, bytes);
        Run("debugfs", "-w", "-R", $"write {newFile} new-data.bin", path);
        Run("debugfs", "-w", "-R", "rm notes-00.txt", path);
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

    private static void Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new CliException($"'{program}' is not installed; install Debian's e2fsprogs (./lifeboat quickstart does it for you).");
        }
        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new CliException($"'{program} {string.Join(' ', arguments)}' failed: {stderr.Result.Trim()}");
        }
    }
}
