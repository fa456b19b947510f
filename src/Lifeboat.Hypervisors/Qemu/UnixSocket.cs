using System.Net.Sockets;
using System.Text;

namespace Lifeboat.Hypervisors.Qemu;

/// <summary>Connecting to one of QEMU's unix sockets (QMP, the guest agent channel).</summary>
internal static class UnixSocket
{
    /// <summary>sun_path is 108 bytes on Linux, one of them the terminating NUL.</summary>
    public const int MaxPathBytes = 107;

    private const int SolSocket = 1;
    private const int SoPeerCred = 17;
    private const int UcredBytes = 12; // struct ucred: pid, uid, gid

    /// <summary>The process at the other end of a connected unix socket (SO_PEERCRED), or null when it cannot be read.</summary>
    public static int? PeerProcessId(Socket socket)
    {
        Span<byte> credentials = stackalloc byte[UcredBytes];
        try
        {
            return socket.GetRawSocketOption(SolSocket, SoPeerCred, credentials) == UcredBytes
                ? System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(credentials)
                : null;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or PlatformNotSupportedException)
        {
            return null;
        }
    }

    /// <param name="what">What listens there, for messages: "QMP", "guest agent".</param>
    /// <param name="hint">What to check when nothing answers, as the end of a sentence.</param>
    /// <exception cref="ArgumentException">The path is too long for a unix socket address.</exception>
    /// <exception cref="IOException">Nothing listens there.</exception>
    public static async Task<Socket> ConnectAsync(string path, string what, string hint, CancellationToken cancellationToken)
    {
        if (Encoding.UTF8.GetByteCount(path) > MaxPathBytes)
        {
            throw new ArgumentException(
                $"The {what} socket path {path} is longer than {MaxPathBytes} bytes, the limit of a unix socket address; use a shorter runtime folder.",
                nameof(path));
        }

        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new IOException($"Cannot connect to the {what} socket {path} ({ex.Message}); {hint}.", ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
