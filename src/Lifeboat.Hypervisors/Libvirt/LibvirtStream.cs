using Lifeboat.Hypervisors.Libvirt.Native;

namespace Lifeboat.Hypervisors.Libvirt;

/// <summary>A blocking libvirt stream (a console, a screenshot): read until it ends.</summary>
public sealed class LibvirtStream : IDisposable
{
    private const int ChunkBytes = 64 * 1024;
    private readonly string _uri;

    private LibvirtStream(string uri, LibvirtStreamHandle handle)
    {
        _uri = uri;
        Handle = handle;
    }

    internal LibvirtStreamHandle Handle { get; }

    internal static LibvirtStream Create(LibvirtConnection connection) =>
        new(connection.Uri, LibvirtErrors.Check(LibvirtNative.StreamNew(connection.Handle, 0), $"a stream on {connection.Uri}"));

    /// <summary>Reads what the stream has next into <paramref name="buffer"/>; 0 at its end.</summary>
    /// <exception cref="LibvirtException">The stream broke (the domain stopped, the connection went, or it was aborted).</exception>
    public int Read(byte[] buffer)
    {
        var read = LibvirtNative.StreamRecv(Handle, buffer, (nuint)buffer.Length);
        return read >= 0 ? read : throw LibvirtErrors.Last($"reading a stream from {_uri}");
    }

    /// <summary>Copies the whole stream to <paramref name="target"/>, at most <paramref name="maxBytes"/>, and finishes it.</summary>
    public void CopyTo(Stream target, long maxBytes)
    {
        var buffer = new byte[ChunkBytes];
        long total = 0;
        while (Read(buffer) is var read and > 0)
        {
            total += read;
            if (total > maxBytes)
            {
                Abort();
                throw new LibvirtException($"A stream from {_uri} carried more than {maxBytes} bytes, more than Lifeboat takes from it.");
            }

            target.Write(buffer, 0, read);
        }

        LibvirtErrors.Check(LibvirtNative.StreamFinish(Handle), $"finishing a stream from {_uri}");
    }

    /// <summary>Ends the stream from this side; a blocked <see cref="Read"/> returns with an error.</summary>
    public void Abort()
    {
        if (LibvirtNative.StreamAbort(Handle) < 0)
            LibvirtNative.ResetLastError();
    }

    public void Dispose() => Handle.Dispose();
}
