using System.Diagnostics;
using System.Net.Sockets;
using Lifeboat.Testing.Network;

namespace Lifeboat.Testing.Nbd;

/// <summary>
/// A disk image served read-only by qemu-nbd on a unix socket of its own: as the mount server serves a restore
/// point's disk, or as QEMU exports a running VM's point in time (with a dirty bitmap's meta context when asked).
/// </summary>
public sealed class QemuNbdExport : IDisposable
{
    private readonly Process _process;
    private readonly string _folder;

    private QemuNbdExport(Process process, string folder, string socket, string exportName)
    {
        (_process, _folder, Socket) = (process, folder, socket);
        Url = $"nbd+unix:///{exportName}?socket={socket}";
    }

    public string Url { get; }

    public string Socket { get; }

    public UnixDomainSocketEndPoint EndPoint => new(Socket);

    /// <param name="extra">More qemu-nbd arguments, such as <c>--bitmap=NAME</c> to offer <c>qemu:dirty-bitmap:NAME</c>.</param>
    public static QemuNbdExport Start(string image, string exportName, string format = "raw", params string[] extra)
    {
        var folder = Directory.CreateTempSubdirectory("lbt-nbd-").FullName;
        var socket = Path.Combine(folder, "nbd.sock");
        var start = new ProcessStartInfo("qemu-nbd") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        string[] arguments = ["--read-only", $"--format={format}", "--persistent", "--shared=8", "--socket", socket, "--export-name", exportName, .. extra, image];
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        var process = Process.Start(start) ?? throw new InvalidOperationException("qemu-nbd did not start.");
        _ = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        UnixSocketWait.UntilListening(socket, process, () => stderr.IsCompleted ? stderr.Result : string.Empty);

        return new QemuNbdExport(process, folder, socket, exportName);
    }

    /// <summary>Ends qemu-nbd now, as a VM's export ends when QEMU dies.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
            _process.Kill();
        _process.WaitForExit();
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
