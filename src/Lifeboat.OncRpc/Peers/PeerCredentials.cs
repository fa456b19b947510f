using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Lifeboat.OncRpc.Peers;

/// <summary>The process at the other end of a unix socket, as the kernel recorded it when the peer connected (SO_PEERCRED).</summary>
public readonly record struct PeerCredentials(int Pid, uint Uid, uint Gid)
{
    private const int SolSocket = 1;
    private const int SoPeerCred = 17;

    // struct ucred { pid_t pid; uid_t uid; gid_t gid; }, in the machine's byte order.
    private const int UcredSize = 12;

    /// <summary>Reads SO_PEERCRED of a connected unix socket.</summary>
    /// <exception cref="SocketException">The socket is not a connected unix socket.</exception>
    public static PeerCredentials Read(Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        Span<byte> ucred = stackalloc byte[UcredSize];
        var length = socket.GetRawSocketOption(SolSocket, SoPeerCred, ucred);
        if (length < UcredSize)
            throw new SocketException((int)SocketError.ProtocolOption);
        return new PeerCredentials(
            MemoryMarshal.Read<int>(ucred),
            MemoryMarshal.Read<uint>(ucred[4..]),
            MemoryMarshal.Read<uint>(ucred[8..]));
    }

    public override string ToString() => $"pid {Pid} uid {Uid} gid {Gid}";
}
