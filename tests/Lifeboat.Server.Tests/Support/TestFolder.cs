namespace Lifeboat.Server.Tests.Support;

/// <summary>A fresh folder under /tmp (short: QMP socket paths are limited to 107 bytes), deleted afterwards.</summary>
public sealed class TestFolder : IDisposable
{
    public TestFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "lbst-" + Guid.NewGuid().ToString("N")[..8]);
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
            // A VM a failed test left running may still hold a file; /tmp is cleaned eventually.
        }
    }
}
