using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Lifeboat.OncRpc.Peers;

/// <summary>
/// Who owns the other end of a loopback TCP connection: the uid column of the kernel's row for the peer's socket in
/// /proc/net/tcp or /proc/net/tcp6 (local address the peer's, remote address ours). The kernel fills that column
/// from the socket's creator, so a process cannot claim another user's uid the way it can claim AUTH_SYS credentials.
/// </summary>
public static class TcpSocketOwners
{
    private const string Tcp4Table = "/proc/net/tcp";
    private const string Tcp6Table = "/proc/net/tcp6";

    // "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid ..."
    private const int LocalAddressColumn = 1;
    private const int RemoteAddressColumn = 2;
    private const int UidColumn = 7;

    /// <summary>
    /// The uid owning the socket at <paramref name="peer"/> connected to <paramref name="ours"/>, or null when no row
    /// matches (the peer is gone, or lives in another network namespace).
    /// </summary>
    public static uint? FindOwner(IPEndPoint peer, IPEndPoint ours) => FindOwner(peer, ours, Tcp4Table, Tcp6Table);

    internal static uint? FindOwner(IPEndPoint peer, IPEndPoint ours, string tcp4Table, string tcp6Table)
    {
        ArgumentNullException.ThrowIfNull(peer);
        ArgumentNullException.ThrowIfNull(ours);
        var peerAddress = Unmap(peer.Address);
        var ourAddress = Unmap(ours.Address);

        // An IPv4 peer's socket is in the IPv4 table, or in the IPv6 one as a mapped address if it was an IPv6 socket.
        if (peerAddress.AddressFamily == AddressFamily.InterNetwork && ourAddress.AddressFamily == AddressFamily.InterNetwork)
        {
            return Find(tcp4Table, Format(peerAddress, peer.Port), Format(ourAddress, ours.Port))
                ?? Find(tcp6Table, Format(peerAddress.MapToIPv6(), peer.Port), Format(ourAddress.MapToIPv6(), ours.Port));
        }

        return Find(tcp6Table, Format(peer.Address, peer.Port), Format(ours.Address, ours.Port));
    }

    /// <summary>The kernel's spelling: each 32-bit word of the address as a number in the machine's byte order, then the port, in hex.</summary>
    internal static string Format(IPAddress address, int port)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var length);
        var text = new StringBuilder(length * 2 + 5);
        for (var word = 0; word < length; word += 4)
        {
            for (var i = 0; i < 4; i++)
            {
                var b = bytes[word + (BitConverter.IsLittleEndian ? 3 - i : i)];
                text.Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return text.Append(':').Append(port.ToString("X4", CultureInfo.InvariantCulture)).ToString();
    }

    private static uint? Find(string table, string local, string remote)
    {
        if (!File.Exists(table))
            return null;
        using var reader = new StreamReader(table, Encoding.ASCII);
        reader.ReadLine();
        var pair = local + " " + remote + " ";
        while (reader.ReadLine() is { } line)
        {
            if (!line.Contains(pair, StringComparison.Ordinal))
                continue;
            var columns = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (columns.Length > UidColumn
                && columns[LocalAddressColumn] == local
                && columns[RemoteAddressColumn] == remote
                && uint.TryParse(columns[UidColumn], NumberStyles.None, CultureInfo.InvariantCulture, out var uid))
            {
                return uid;
            }
        }

        return null;
    }

    private static IPAddress Unmap(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
