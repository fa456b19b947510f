using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Lifeboat.Hypervisors.Qemu;

namespace Lifeboat.Cli.Quickstart;

/// <summary>
/// Powers off a VM the story started, by its runtime folder. After finalization the VM is production's (`lifeboat stop`
/// leaves it alone), and when the story is interrupted the server may be gone; so the quickstart signals QEMU
/// itself: SIGTERM, on which QEMU flushes its disks and exits, and SIGKILL if it is still there after a while.
/// The pid is trusted only when that process was started with this folder's pid file.
/// </summary>
internal static class ProductionVm
{
    private const int MaxPidFileBytes = 64;
    private const int MaxCommandLineBytes = 1024 * 1024;
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);

    /// <returns>False when no VM ran there any more.</returns>
    public static async Task<bool> PowerOffAsync(string runtimeDirectory, TimeSpan patience)
    {
        var pidFile = new QemuVmPaths(runtimeDirectory).PidFile;
        if (RunningQemu(pidFile) is not { } pid)
            return false;
        PosixSignals.Send(pid, PosixSignals.SigTerm);
        var clock = Stopwatch.StartNew();
        while (IsQemuFor(pid, pidFile))
        {
            if (clock.Elapsed > patience)
            {
                try
                {
                    using var process = Process.GetProcessById(pid);
                    process.Kill();
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException)
                {
                    // It exited meanwhile.
                }

                if (clock.Elapsed > patience * 2)
                    throw new CliException($"QEMU (process {pid}) did not exit on SIGTERM or SIGKILL; check it with `ps -p {pid}`.");
            }

            await Task.Delay(Poll, CancellationToken.None);
        }

        return true;
    }

    private static int? RunningQemu(string pidFile)
    {
        var text = ReadStart(pidFile, MaxPidFileBytes);
        return text is not null && int.TryParse(text.AsSpan().Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0
            && IsQemuFor(pid, pidFile) ? pid : null;
    }

    /// <summary>A zombie's command line is empty, and a pid the kernel gave to another program names another pid file.</summary>
    private static bool IsQemuFor(int pid, string pidFile) =>
        ReadStart($"/proc/{pid}/cmdline", MaxCommandLineBytes) is { } commandLine && commandLine.Split('\0').Contains(pidFile, StringComparer.Ordinal);

    private static string? ReadStart(string path, int maxBytes)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1);
            var buffer = ArrayPool<byte>.Shared.Rent(maxBytes);
            try
            {
                var length = stream.ReadAtLeast(buffer.AsSpan(0, maxBytes), maxBytes, throwOnEndOfStream: false);
                return Encoding.UTF8.GetString(buffer, 0, length);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
