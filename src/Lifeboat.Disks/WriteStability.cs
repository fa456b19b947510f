namespace Lifeboat.Disks;

/// <summary>How durable a write must be before it is acknowledged; the values are NFSv3's stable_how.</summary>
public enum WriteStability
{
    /// <summary>Durable at the next commit; a crash before it may lose the write.</summary>
    Unstable = 0,

    /// <summary>Data and the cluster map are durable before the write returns.</summary>
    DataSync = 1,

    /// <summary>Same as <see cref="DataSync"/>: the cache has no other metadata to make durable.</summary>
    FileSync = 2,
}
