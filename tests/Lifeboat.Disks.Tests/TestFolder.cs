namespace Lifeboat.Disks.Tests;

/// <summary>
/// A fresh folder, deleted when the test ends. By default it lives on /dev/shm when there is one: the tests check
/// the cache's logic, and a page-cache file system keeps their many fsyncs from costing milliseconds each. Tests
/// about the real file system pass <c>onDisk: true</c>.
/// </summary>
internal sealed class TestFolder : IDisposable
{
    public TestFolder(bool onDisk = false)
    {
        string root = !onDisk && Directory.Exists("/dev/shm") ? "/dev/shm" : System.IO.Path.GetTempPath();
        Path = System.IO.Path.Combine(root, "lifeboat-disks-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A child process still closing its files; the temp folder is cleaned by the system eventually.
        }
    }
}
