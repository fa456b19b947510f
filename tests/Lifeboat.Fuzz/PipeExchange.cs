using System.IO.Pipelines;
using Lifeboat.Testing.Network;

namespace Lifeboat.Fuzz;

/// <summary>
/// One connection in memory: the pieces are written to the server's input one flush each, the input is closed,
/// and everything the server wrote is collected until it closes its output. A server that does not finish within
/// the timeout fails the input.
/// </summary>
internal static class PipeExchange
{
    public static async Task<byte[]> RunAsync(Func<IDuplexPipe, Task> serve, IReadOnlyList<ReadOnlyMemory<byte>> pieces, TimeSpan timeout)
    {
        var connection = new MemoryConnection();
        var served = serve(connection.Server);
        var collected = connection.ReadAllFromServerAsync();
        foreach (var piece in pieces)
        {
            var flush = await connection.ToServer.WriteAsync(piece);
            if (flush.IsCompleted)
            {
                break;
            }
        }

        await connection.ToServer.CompleteAsync();
        await served.WaitAsync(timeout);
        return await collected.WaitAsync(timeout);
    }
}
