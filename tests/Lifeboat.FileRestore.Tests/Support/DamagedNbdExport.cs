using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Lifeboat.FileRestore.Tests.Support;

/// <summary>
/// A raw disk served read-only by nbdkit with 64 KiB of it unreadable (the ddrescue filter fails reads there with EIO),
/// and the log filter's record of every read, from which <see cref="LastDamagedBlock"/> answers as the mount server would.
/// </summary>
internal sealed partial class DamagedNbdExport : IDisposable
{
    public const int DamagedLength = 64 * 1024;

    private readonly Process _process;
    private readonly string _folder;
    private readonly string _log;

    private DamagedNbdExport(Process process, string folder, string socket, long damagedOffset)
    {
        (_process, _folder, DamagedOffset) = (process, folder, damagedOffset);
        _log = Path.Combine(folder, "reads.log");
        Url = $"nbd+unix:///disk0?socket={socket}";
    }

    public string Url { get; }

    /// <summary>Whether nbdkit still runs and what it logged, for a test that failed to say.</summary>
    public string State => $"nbdkit {(_process.HasExited ? "exited" : "runs")}; its log: {(File.Exists(_log) ? File.ReadAllText(_log) : "none")}";

    public long DamagedOffset { get; }

    public static DamagedNbdExport Start(string rawDisk, long damagedOffset)
    {
        var folder = Directory.CreateTempSubdirectory("lifeboat-fr-damaged-").FullName;
        var socket = Path.Combine(folder, "nbd.sock");
        var map = Path.Combine(folder, "disk.map");
        var size = new FileInfo(rawDisk).Length;
        var end = damagedOffset + DamagedLength;
        File.WriteAllText(map, $"0x0 +\n0x0 0x{damagedOffset:x} +\n0x{damagedOffset:x} 0x{DamagedLength:x} -\n0x{end:x} 0x{size - end:x} +\n");
        var pidFile = Path.Combine(folder, "nbdkit.pid");
        // nbdkit runs as a daemon: its parent returns once the socket listens. Kept in the foreground as a child of the
        // test host, it quit with status 0 after its first clients (nbdkit 1.32.5, cause not found).
        var (exitCode, output) = Tools.RunAsync(
            "nbdkit", "--readonly", "--pidfile", pidFile, "--unix", socket, "--filter=log", "--filter=ddrescue", "file", $"file={rawDisk}",
            $"ddrescue-mapfile={map}", $"logfile={Path.Combine(folder, "reads.log")}").GetAwaiter().GetResult();
        if (exitCode != 0)
            throw new InvalidOperationException($"nbdkit exited {exitCode}: {output}");
        // The socket listens when the parent returns, but the daemon writes its pid file after that: wait for it.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        string pid;
        while (!File.Exists(pidFile) || (pid = File.ReadAllText(pidFile).Trim()).Length == 0)
        {
            if (DateTime.UtcNow > deadline)
                throw new InvalidOperationException($"nbdkit wrote no pid file {pidFile} within 30 s: {output}");
            Thread.Sleep(10);
        }

        var process = Process.GetProcessById(int.Parse(pid, CultureInfo.InvariantCulture));
        return new DamagedNbdExport(process, folder, socket, damagedOffset);
    }

    /// <summary>The last read nbdkit failed, as a damaged block of disk 0 whose chunk is named after its 64 KiB slot; null when none failed.</summary>
    public DamagedBlock? LastDamagedBlock()
    {
        if (!File.Exists(_log))
            return null;
        using var stream = new FileStream(_log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var offsets = new Dictionary<string, long>();
        DamagedBlock? last = null;
        var failures = 0;
        while (reader.ReadLine() is { } line)
        {
            if (ReadRequest().Match(line) is { Success: true } request)
                offsets[$"{request.Groups[1].Value} {request.Groups[2].Value}"] = long.Parse(request.Groups[3].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            else if (FailedRead().Match(line) is { Success: true } failed && offsets.TryGetValue($"{failed.Groups[1].Value} {failed.Groups[2].Value}", out var offset))
                last = new DamagedBlock(0, offset, $"chunk-{offset / DamagedLength:x8}", "its checksum does not match", ++failures);
        }

        return last;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill();
        _process.WaitForExit(TimeSpan.FromSeconds(30));
        _process.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [GeneratedRegex(@"(connection=\d+) Read id=(\d+) offset=0x([0-9a-f]+)")]
    private static partial Regex ReadRequest();

    [GeneratedRegex(@"(connection=\d+) \.\.\.Read id=(\d+) return=-1")]
    private static partial Regex FailedRead();
}
