namespace Lifeboat.Disks.Prefetch;

/// <summary>Told of every guest read of a published disk, once per read, as it starts.</summary>
internal interface IReadObserver
{
    /// <summary>A read of <paramref name="count"/> bytes at <paramref name="offset"/>, within the disk.</summary>
    void OnRead(long offset, int count);
}
