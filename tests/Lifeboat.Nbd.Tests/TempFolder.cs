namespace Lifeboat.Nbd.Tests;

/// <summary>A folder for one test's images and sockets, removed afterwards.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        // Unix socket paths are limited to 108 bytes: keep the folder short.
        Path = Directory.CreateTempSubdirectory("nbd-").FullName;
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
