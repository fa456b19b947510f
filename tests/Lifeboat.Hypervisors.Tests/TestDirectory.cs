using Lifeboat.Hypervisors.Qemu;

namespace Lifeboat.Hypervisors.Tests;

/// <summary>
/// A short temporary folder (unix socket paths must stay under 108 bytes). On dispose it kills any VM
/// whose runtime files are still in it, so that a failed test leaves no QEMU behind, and deletes it.
/// </summary>
internal sealed class TestDirectory : IDisposable
{
    public TestDirectory()
    {
        Path = Directory.CreateTempSubdirectory("lbhv-").FullName;
    }

    public string Path { get; }

    public string Combine(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        foreach (var pidFile in Directory.EnumerateFiles(Path, "qemu.pid", SearchOption.AllDirectories))
        {
            if (QemuProcess.ReadPidFile(pidFile) is { } pid)
            {
                QemuProcess.Kill(pid, pidFile);
                for (var wait = 0; wait < 100 && QemuProcess.IsRunning(pid); wait++)
                {
                    Thread.Sleep(100);
                }
            }
        }

        Directory.Delete(Path, recursive: true);
    }
}
