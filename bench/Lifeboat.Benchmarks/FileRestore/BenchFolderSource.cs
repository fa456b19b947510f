using System.Diagnostics;
using Lifeboat.FileRestore;

namespace Lifeboat.Benchmarks.FileRestore;

/// <summary>A local folder as the guest: its tar made by GNU tar (as the appliance's tar-out makes it), single files read directly.</summary>
internal sealed class BenchFolderSource : IGuestFileSource
{
    private readonly string _root;

    public BenchFolderSource(string root) => _root = root;

    public Task<GuestEntry> StatAsync(GuestPath path, CancellationToken cancellationToken)
    {
        var local = Local(path);
        var folder = Directory.Exists(local);
        var info = folder ? (FileSystemInfo)new DirectoryInfo(local) : new FileInfo(local);
        return Task.FromResult(new GuestEntry(
            path, folder ? GuestEntryType.Directory : GuestEntryType.File, folder ? 0 : ((FileInfo)info).Length, 0x1ED, 0, 0, info.LastWriteTimeUtc, null));
    }

    public async Task CopyFileAsync(GuestPath file, Stream destination, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(Local(file));
        await stream.CopyToAsync(destination, cancellationToken);
    }

    public async Task TarFolderAsync(GuestPath folder, Stream destination, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("tar") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[] { "--numeric-owner", "-C", Local(folder), "-cf", "-", "." })
            start.ArgumentList.Add(argument);
        using var tar = Process.Start(start)!;
        await tar.StandardOutput.BaseStream.CopyToAsync(destination, 256 * 1024, cancellationToken);
        await tar.WaitForExitAsync(cancellationToken);
    }

    private string Local(GuestPath path) => _root + System.Text.Encoding.UTF8.GetString(path.Bytes);
}
