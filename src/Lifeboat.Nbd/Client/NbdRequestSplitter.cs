namespace Lifeboat.Nbd.Client;

/// <summary>Sends a range larger than one request allows as pieces in flight together.</summary>
internal static class NbdRequestSplitter
{
    /// <summary>Calls <paramref name="send"/> with (offset, start within the range, length) for each piece of at most <paramref name="piece"/> bytes.</summary>
    public static async ValueTask SplitAsync(long offset, long length, uint piece, Func<long, long, long, CancellationToken, ValueTask> send, CancellationToken cancellationToken)
    {
        var tasks = new List<Task>();
        for (long start = 0; start < length; start += piece)
        {
            tasks.Add(send(offset + start, start, Math.Min(piece, length - start), cancellationToken).AsTask());
        }

        await Task.WhenAll(tasks).ConfigureAwait(false);
    }
}
