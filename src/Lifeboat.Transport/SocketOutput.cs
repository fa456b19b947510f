using System.Net.Sockets;

namespace Lifeboat.Transport;

/// <summary>Gathered writes straight to the socket: one system call for a batch of frames, no copy.</summary>
public sealed class SocketOutput(Socket socket) : ConnectionOutput
{
    public override async ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        while (!data.IsEmpty)
        {
            var sent = await socket.SendAsync(data, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            data = data[sent..];
        }
    }

    public override async ValueTask SendAsync(IList<ArraySegment<byte>> segments, long total)
    {
        long sent = await socket.SendAsync(segments, SocketFlags.None).ConfigureAwait(false);
        if (sent == total)
        {
            return;
        }

        // A partial gathered send: finish segment by segment.
        foreach (var segment in segments)
        {
            if (sent >= segment.Count)
            {
                sent -= segment.Count;
                continue;
            }

            await SendAsync(segment.AsMemory((int)sent)).ConfigureAwait(false);
            sent = 0;
        }
    }
}
