namespace Lifeboat.Testing.Files;

/// <summary>
/// A fresh folder for one test, deleted with everything in it afterwards. Its path is short (/tmp/lbt-XXXXXXXXXXXX):
/// unix socket paths such as QEMU's QMP socket must stay under 108 bytes. Others may enter it (mode 755, not the 700 of
/// Directory.CreateTempSubdirectory): tests run peers as nobody against sockets and files in it. With
/// <c>onDisk: false</c> it lives on /dev/shm when there is one, for tests of a cache's logic whose many fsyncs would
/// otherwise cost milliseconds each.
/// </summary>
public sealed class TestFolder : IDisposable
{
    private const string Prefix = "lbt-";
    private const string MemoryRoot = "/dev/shm";

    public TestFolder(bool onDisk = true)
    {
        var root = !onDisk && Directory.Exists(MemoryRoot) ? MemoryRoot : System.IO.Path.GetTempPath();
        Path = System.IO.Path.Combine(root, Prefix + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A child process (a VM, a server a failed test left running) may still hold a file; /tmp is cleaned eventually.
        }
        catch (UnauthorizedAccessException)
        {
            // A test that made a file unwritable to check a refusal; the same.
        }
    }
}
