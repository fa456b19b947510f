namespace Lifeboat.Disks;

/// <summary>
/// Awaited, moves the rest of an async method to the thread pool, on the current thread's local queue: the
/// connection loop that asked for a decode is free at once, and when it has nothing else to read (one request in
/// flight) the same thread runs the decode next, with no wake-up of another one.
/// </summary>
internal readonly struct ThreadPoolHop : System.Runtime.CompilerServices.ICriticalNotifyCompletion
{
    public bool IsCompleted => false;

    public ThreadPoolHop GetAwaiter() => this;

    public void GetResult()
    {
    }

    public void OnCompleted(Action continuation) => ThreadPool.QueueUserWorkItem(static run => run(), continuation, preferLocal: true);

    public void UnsafeOnCompleted(Action continuation) => ThreadPool.UnsafeQueueUserWorkItem(static run => run(), continuation, preferLocal: true);
}
