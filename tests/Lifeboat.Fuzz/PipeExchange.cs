using System.IO.Pipelines;

namespace Lifeboat.Fuzz;

/// <summary>
/// One connection in memory: the pieces are written to the server's input one flush each, the input is closed,
/// and everything the server wrote is collected until it closes its output. A server that does not finish within
/// the timeout fails the input.
/// </summary>
internal static class PipeExchange
{
    private static readonly PipeOptions Options = new(pauseWriterThreshold: 1 << 20, resumeWriterThreshold: 1 << 19, useSynchronizationContext: false);

    public static async Task<byte[]> RunAsync(Func<IDuplexPipe, Task> serve, IReadOnlyList<ReadOnlyMemory<byte>> pieces, TimeSpan timeout)
    {
        var toServer = new Pipe(Options);
        var toClient = new Pipe(Options);
        var served = serve(new DuplexPipe(toServer.Reader, toClient.Writer));
        var collected = CollectAsync(toClient.Reader);
        foreach (var piece in pieces)
        {
            var flush = await toServer.Writer.WriteAsync(piece);
            if (flush.IsCompleted)
            {
                break;
            }
        }

        await toServer.Writer.CompleteAsync();
        await served.WaitAsync(timeout);
        return await collected.WaitAsync(timeout);
    }

    private static async Task<byte[]> CollectAsync(PipeReader reader)
    {
        using var output = new MemoryStream();
        while (true)
        {
            var result = await reader.ReadAsync();
            foreach (var segment in result.Buffer)
            {
                output.Write(segment.Span);
            }

            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                break;
            }
        }

        await reader.CompleteAsync();
        return output.ToArray();
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input => input;

        public PipeWriter Output => output;
    }
}
