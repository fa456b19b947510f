using System.Diagnostics;

namespace Lifeboat.Disks.Tests;

/// <summary>A tiny tmpfs mounted for one test, to make a file system run full. Mounting needs root.</summary>
internal sealed class SmallFileSystem : IDisposable
{
    private SmallFileSystem(string path) => Path = path;

    public string Path { get; }

    /// <summary>Null when the mount is not possible here (not root).</summary>
    public static SmallFileSystem? TryMount(string path, int megabytes)
    {
        Directory.CreateDirectory(path);
        return Run("mount", $"-t tmpfs -o size={megabytes}m tmpfs {path}") ? new SmallFileSystem(path) : null;
    }

    public void Dispose() => Run("umount", Path);

    private static bool Run(string command, string arguments)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(command, arguments) { RedirectStandardError = true, RedirectStandardOutput = true })!;
            process.WaitForExit();
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
