namespace Lifeboat.Hypervisors.Libvirt;

/// <summary>
/// Copies a domain's console stream to a file on this machine, on a thread of its own (libvirt's stream read blocks),
/// until the domain stops or the copy is disposed. The file is appended to across restarts and capped in size.
/// </summary>
internal sealed class LibvirtConsoleCopy : IDisposable
{
    /// <summary>A guest that prints without end must not fill this machine's disk.</summary>
    public const long MaxFileBytes = 64L * 1024 * 1024;

    private const int ChunkBytes = 16 * 1024;
    private static readonly TimeSpan StopWait = TimeSpan.FromSeconds(5);

    private readonly LibvirtStream _stream;
    private readonly FileStream _file;
    private readonly Thread _thread;
    private volatile bool _stopping;

    private LibvirtConsoleCopy(LibvirtStream stream, FileStream file)
    {
        _stream = stream;
        _file = file;
        _thread = new Thread(Copy) { IsBackground = true, Name = "libvirt console copy" };
    }

    /// <exception cref="LibvirtException">The host refused the console.</exception>
    public static LibvirtConsoleCopy Start(LibvirtDomain domain, string path)
    {
        var stream = domain.OpenConsole();
        var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        var copy = new LibvirtConsoleCopy(stream, file);
        copy._thread.Start();
        return copy;
    }

    public void Dispose()
    {
        _stopping = true;
        _stream.Abort();
        _thread.Join(StopWait);
        _stream.Dispose();
        _file.Dispose();
    }

    private void Copy()
    {
        var buffer = new byte[ChunkBytes];
        try
        {
            while (!_stopping && _stream.Read(buffer) is var read and > 0)
            {
                if (_file.Length + read > MaxFileBytes)
                    break;
                _file.Write(buffer, 0, read);
                _file.Flush();
            }
        }
        catch (LibvirtException)
        {
            // The stream broke: the domain stopped, the connection went, or Dispose aborted it.
        }
        catch (Exception ex) when (ex is ObjectDisposedException or IOException)
        {
            // Dispose closed the file under a read that outlived its wait, or this machine's disk failed.
        }
    }
}
