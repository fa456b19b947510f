using System.Net.Sockets;

namespace Lifeboat.Nbd.Server;

/// <summary>The plain transport: gathered writes straight to the socket.</summary>
internal sealed class NbdSocketTransport(Socket socket) : NbdTransport
{
    public override async ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        while (!data.IsEmpty)
        {
            var sent = await socket.SendAsync(data, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            data = data[sent..];
        }
    }

    public override async ValueTask SendAsync(List<ArraySegment<byte>> segments, long total)
    {
        long sent = await socket.SendAsync(segments, SocketFlags.None).ConfigureAwait(false);
        if (sent == total)
        {
            return;
        }

        foreach (var segment in segments)
        {
            if (sent >= segment.Count)
            {
                sent -= segment.Count;
                continue;
            }

            await SendAsync(segment.Slice((int)sent)).ConfigureAwait(false);
            sent = 0;
        }
    }
}
