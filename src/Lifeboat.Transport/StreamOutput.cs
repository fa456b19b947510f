using System.Buffers;

namespace Lifeboat.Transport;

/// <summary>
/// Writes to a stream (a TLS stream after NBD_OPT_STARTTLS). A stream has no gathered write, so small frames are
/// copied together first: one TLS record and one send for a batch of them rather than one each.
/// </summary>
public sealed class StreamOutput(Stream stream) : ConnectionOutput
{
    private const int CoalesceLimit = 64 * 1024;

    public override async ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        await stream.WriteAsync(data, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public override async ValueTask SendAsync(IList<ArraySegment<byte>> segments, long total)
    {
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(total, CoalesceLimit));
        try
        {
            var used = 0;
            foreach (var segment in segments)
            {
                if (segment.Count > buffer.Length - used)
                {
                    if (used > 0)
                    {
                        await stream.WriteAsync(buffer.AsMemory(0, used)).ConfigureAwait(false);
                        used = 0;
                    }

                    if (segment.Count > buffer.Length)
                    {
                        await stream.WriteAsync(segment).ConfigureAwait(false);
                        continue;
                    }
                }

                segment.AsSpan().CopyTo(buffer.AsSpan(used));
                used += segment.Count;
            }

            if (used > 0)
            {
                await stream.WriteAsync(buffer.AsMemory(0, used)).ConfigureAwait(false);
            }

            await stream.FlushAsync().ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
