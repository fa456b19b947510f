using System.IO.Pipelines;

namespace Lifeboat.Transport;

/// <summary>Writes to a pipe: a connection driven in memory (fuzzing, benchmarks) answers through it.</summary>
public sealed class PipeOutput(PipeWriter writer) : ConnectionOutput
{
    public override async ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        var result = await writer.WriteAsync(data, cancellationToken).ConfigureAwait(false);
        ThrowIfClosed(result);
    }

    public override async ValueTask SendAsync(IList<ArraySegment<byte>> segments, long total)
    {
        foreach (var segment in segments)
        {
            segment.AsSpan().CopyTo(writer.GetSpan(segment.Count));
            writer.Advance(segment.Count);
        }

        ThrowIfClosed(await writer.FlushAsync().ConfigureAwait(false));
    }

    private static void ThrowIfClosed(FlushResult result)
    {
        if (result.IsCompleted || result.IsCanceled)
        {
            throw new IOException("The reading end of the connection's pipe is closed.");
        }
    }
}
