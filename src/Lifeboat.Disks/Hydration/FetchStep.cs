namespace Lifeboat.Disks.Hydration;

/// <summary>The clusters a read-ahead is fetching at the moment; readers that need them wait for <see cref="Done"/>.</summary>
internal sealed class FetchStep(long firstCluster, long endCluster)
{
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Done => _done.Task;

    public bool Overlaps(long first, long end) => first < endCluster && end > firstCluster;

    public void Complete() => _done.TrySetResult();
}
