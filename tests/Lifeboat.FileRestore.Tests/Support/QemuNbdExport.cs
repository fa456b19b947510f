using System.Diagnostics;

namespace Lifeboat.FileRestore.Tests.Support;

/// <summary>A raw disk served read-only by qemu-nbd on a unix socket of its own, as the mount server would serve a restore point's disk.</summary>
internal sealed class QemuNbdExport : IDisposable
{
    private readonly Process _process;
    private readonly string _folder;

    private QemuNbdExport(Process process, string folder, string socket, string exportName)
    {
        (_process, _folder) = (process, folder);
        Url = $"nbd+unix:///{exportName}?socket={socket}";
    }

    public string Url { get; }

    public static QemuNbdExport Start(string rawDisk, string exportName)
    {
        var folder = Directory.CreateTempSubdirectory("lifeboat-fr-nbd-").FullName;
        var socket = Path.Combine(folder, "nbd.sock");
        var start = new ProcessStartInfo("qemu-nbd") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in new[] { "--read-only", "--format=raw", "--persistent", "--shared=8", "--socket", socket, "--export-name", exportName, rawDisk })
            start.ArgumentList.Add(argument);
        var process = Process.Start(start) ?? throw new InvalidOperationException("qemu-nbd did not start.");
        _ = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        UnixSocketWait.UntilListening(socket, process, () => stderr.IsCompleted ? stderr.Result : string.Empty);

        return new QemuNbdExport(process, folder, socket, exportName);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill();
        _process.WaitForExit();
        _process.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
