namespace Lifeboat.FileRestore.Tests.Archives;

/// <summary>Samples the managed heap's size every 20 ms while it lives: the peak says whether a stream was buffered whole.</summary>
internal sealed class PeakMemory : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampler;
    private readonly long _start;

    public PeakMemory()
    {
        _start = GC.GetTotalMemory(forceFullCollection: true);
        _sampler = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                Peak = Math.Max(Peak, GC.GetTotalMemory(false));
                try
                {
                    await Task.Delay(20, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }
        });
    }

    public long Peak { get; private set; }

    /// <summary>How far the heap grew over its size at the start.</summary>
    public long Growth => Math.Max(0, Peak - _start);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _sampler;
        _stop.Dispose();
    }
}
