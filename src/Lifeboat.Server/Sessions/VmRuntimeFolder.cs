using System.Diagnostics;
using System.Globalization;
using System.Text;
using Lifeboat.Hypervisors.Qemu;

namespace Lifeboat.Server.Sessions;

/// <summary>
/// A session VM's runtime folder seen from outside QMP: whether its QEMU still runs, and a kill that needs no monitor
/// (when another client holds it). A pid is trusted only when that process was started with this folder's pid file.
/// </summary>
public static class VmRuntimeFolder
{
    private const int MaxPidFileBytes = 64;
    private const int MaxCommandLineBytes = 1024 * 1024;

    public static int? RunningProcess(string runtimeDirectory)
    {
        var paths = new QemuVmPaths(runtimeDirectory);
        var pidText = ReadStart(paths.PidFile, MaxPidFileBytes);
        if (pidText is null || !int.TryParse(pidText.AsSpan().Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid <= 0)
            return null;
        var stat = ReadStart($"/proc/{pid}/stat", 4096);
        var end = stat?.LastIndexOf(')') ?? -1;
        if (stat is null || end < 0 || end + 2 >= stat.Length || stat[end + 2] is 'Z' or 'X')
            return null;
        var commandLine = ReadStart($"/proc/{pid}/cmdline", MaxCommandLineBytes);
        return commandLine is not null && commandLine.Split('\0').Contains(paths.PidFile, StringComparer.Ordinal) ? pid : null;
    }

    /// <summary>SIGKILLs the folder's QEMU and waits up to 10 s for it to go; true when it is gone.</summary>
    public static async Task<bool> KillAsync(string runtimeDirectory, CancellationToken cancellationToken)
    {
        if (RunningProcess(runtimeDirectory) is not { } pid)
            return true;
        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            // Exited meanwhile.
        }

        var elapsed = Stopwatch.StartNew();
        while (RunningProcess(runtimeDirectory) is not null)
        {
            if (elapsed.Elapsed > TimeSpan.FromSeconds(10))
                return false;
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>At most <paramref name="maxBytes"/> of a file from <paramref name="offset"/>, and the offset after them.</summary>
    /// <summary>The serial console of a session: the live one while its runtime folder holds it, else the copy kept at stop.</summary>
    public static string ConsolePath(string? runtimeDirectory, string keptConsole) =>
        runtimeDirectory is not null && File.Exists(new QemuVmPaths(runtimeDirectory).SerialLog) ? new QemuVmPaths(runtimeDirectory).SerialLog : keptConsole;

    public static (byte[] Bytes, long NextOffset) ReadFrom(string path, long offset, int maxBytes)
    {
        try
        {
            using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var length = RandomAccess.GetLength(file);
            var start = Math.Clamp(offset, 0, length);
            var buffer = new byte[(int)Math.Min(maxBytes, length - start)];
            var read = RandomAccess.Read(file, buffer, start);
            return (buffer[..read], start + read);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return ([], 0);
        }
    }

    private static string? ReadStart(string path, int maxBytes)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1);
            var buffer = new byte[maxBytes];
            var length = stream.ReadAtLeast(buffer, maxBytes, throwOnEndOfStream: false);
            return Encoding.UTF8.GetString(buffer, 0, length);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
