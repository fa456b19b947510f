namespace Lifeboat.Repository;

/// <summary>Reports a snapshot every 200 ms until cancelled, so hot loops only bump counters.</summary>
internal static class PeriodicProgress
{
    public static async Task RunAsync<T>(IProgress<T>? progress, Func<T> snapshot, CancellationToken cancellationToken)
    {
        if (progress is null)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                progress.Report(snapshot());
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
