using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Lifeboat.FileRestore;
using Lifeboat.FileRestore.Archives;

namespace Lifeboat.Benchmarks.FileRestore;

/// <summary>
/// A 256 MiB folder (files of /usr/lib: machine code, text, compressed data) packed as tar.zst and zip by
/// <see cref="SelectionArchive"/> (its tar from GNU tar, as the appliance's tar-out gives it) and by the peers in the
/// same run: GNU <c>tar | zstd -3</c> and Info-ZIP <c>zip -r</c> (level 6, as ours). Output to /dev/null.
/// Run: dotnet run -c Release -- --filter '*ArchiveBenchmarks*' --job short --inProcess
/// </summary>
public class ArchiveBenchmarks
{
    private const long FolderBytes = 256L << 20;

    private string _folder = null!;
    private BenchFolderSource _source = null!;

    /// <summary>The folder packed (after <see cref="Setup"/>).</summary>
    public string Folder => _folder;

    [GlobalSetup]
    public void Setup()
    {
        var root = Path.Combine(Path.GetTempPath(), "lifeboat-bench");
        _folder = Path.Combine(root, "archive-folder");
        var marker = Path.Combine(root, "archive-folder.done");
        if (!File.Exists(marker))
        {
            if (Directory.Exists(_folder))
                Directory.Delete(_folder, recursive: true);
            long copied = 0;
            foreach (var file in Directory.EnumerateFiles("/usr/lib", "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint }).Order(StringComparer.Ordinal))
            {
                var length = new FileInfo(file).Length;
                if (length == 0 || copied + length > FolderBytes)
                    continue;
                var target = Path.Combine(_folder, Path.GetRelativePath("/usr/lib", file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
                copied += length;
                if (copied > FolderBytes - (1 << 20))
                    break;
            }

            File.WriteAllText(marker, copied.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        _source = new BenchFolderSource(_folder);
    }

    [Benchmark(Baseline = true)]
    public void GnuTarZstd() => Shell($"tar --numeric-owner -C '{_folder}' -cf - . | zstd -3 -q -c > /dev/null");

    [Benchmark]
    public Task LifeboatTarZst() => SelectionArchive.WriteAsync(_source, [GuestPath.Parse("bench:/")], ArchiveFormat.TarZst, Stream.Null, null, CancellationToken.None);

    [Benchmark]
    public void InfoZipZip() => Shell($"cd '{_folder}' && zip -q -r -y - . > /dev/null");

    [Benchmark]
    public Task LifeboatZip() => SelectionArchive.WriteAsync(_source, [GuestPath.Parse("bench:/")], ArchiveFormat.Zip, Stream.Null, null, CancellationToken.None);

    private static void Shell(string command)
    {
        using var shell = Process.Start("bash", ["-c", command]);
        shell.WaitForExit();
        if (shell.ExitCode != 0)
            throw new InvalidOperationException($"'{command}' exited {shell.ExitCode}.");
    }
}
