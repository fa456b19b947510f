namespace Lifeboat.Transport;

/// <summary>
/// Bounds what one connection holds between reading a request and sending its reply: a number of requests and
/// a number of payload bytes (data written, or data to read). A request larger than the byte budget is admitted once nothing else is in flight,
/// so it waits rather than failing. Only the connection's read loop waits; completions release from any thread.
/// </summary>
public sealed class FrameAdmission
{
    private readonly Lock _lock = new();
    private readonly int _maxRequests;
    private readonly long _maxBytes;
    private int _requests;
    private long _bytes;
    private TaskCompletionSource? _waiter;
    private long _refusals;

    public FrameAdmission(int maxRequests, long maxBytes)
    {
        _maxRequests = maxRequests;
        _maxBytes = maxBytes;
    }

    public int InFlight
    {
        get
        {
            lock (_lock)
            {
                return _requests;
            }
        }
    }

    /// <summary>
    /// How often a request read found no room, so the read loop stopped reading until a reply went out: a client
    /// pipelining past the caps. Tests probe it to know the cap was met, instead of sleeping and checking that nothing more ran.
    /// </summary>
    public long Refusals => Interlocked.Read(ref _refusals);

    public bool TryEnter(long bytes)
    {
        lock (_lock)
        {
            if (_requests >= _maxRequests || (_requests > 0 && _bytes + bytes > _maxBytes))
            {
                _refusals++;
                return false;
            }

            _requests++;
            _bytes += bytes;
            return true;
        }
    }

    public async ValueTask EnterAsync(long bytes, CancellationToken cancellationToken)
    {
        while (!TryEnter(bytes))
        {
            Task wait;
            lock (_lock)
            {
                if (_requests == 0)
                {
                    continue;
                }

                _waiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _waiter.Task;
            }

            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public void Release(long bytes)
    {
        TaskCompletionSource? waiter;
        lock (_lock)
        {
            _requests--;
            _bytes -= bytes;
            waiter = _waiter;
            _waiter = null;
        }

        waiter?.TrySetResult();
    }

    /// <summary>Completes once every admitted request has been released.</summary>
    public async Task DrainAsync()
    {
        while (true)
        {
            Task wait;
            lock (_lock)
            {
                if (_requests == 0)
                {
                    return;
                }

                _waiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _waiter.Task;
            }

            await wait.ConfigureAwait(false);
        }
    }
}
