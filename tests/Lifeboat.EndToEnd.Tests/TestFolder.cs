namespace Lifeboat.EndToEnd.Tests;

/// <summary>A short temporary folder (QEMU's QMP socket path must stay under 108 bytes), deleted on dispose.</summary>
internal sealed class TestFolder : IDisposable
{
    public TestFolder()
    {
        Path = Directory.CreateTempSubdirectory("lbe2e-").FullName;
    }

    public string Path { get; }

    public string this[string name] => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
