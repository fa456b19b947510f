using Lifeboat.Hypervisors.Qemu;
using Lifeboat.Hypervisors.Qemu.Host;

namespace Lifeboat.Server.Sessions;

/// <summary>
/// A local session VM's runtime folder as the API and tests see it: whether its QEMU still runs (see
/// <see cref="QemuRuntimeFolder"/>), and its serial console, live or kept.
/// </summary>
public static class VmRuntimeFolder
{
    public static int? RunningProcess(string runtimeDirectory) => QemuRuntimeFolder.RunningProcess(runtimeDirectory);

    /// <summary>SIGKILLs the folder's QEMU and waits up to 10 s for it to go; true when it is gone.</summary>
    public static Task<bool> KillAsync(string runtimeDirectory, CancellationToken cancellationToken) =>
        QemuRuntimeFolder.KillAsync(runtimeDirectory, cancellationToken);

    /// <summary>The serial console of a session: the live one while its runtime folder holds it, else the copy kept at stop.</summary>
    public static string ConsolePath(string? runtimeDirectory, string keptConsole) =>
        runtimeDirectory is not null && File.Exists(new QemuVmPaths(runtimeDirectory).SerialLog) ? new QemuVmPaths(runtimeDirectory).SerialLog : keptConsole;

    /// <summary>At most <paramref name="maxBytes"/> of a file from <paramref name="offset"/>, and the offset after them.</summary>
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
}
