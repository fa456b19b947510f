namespace Lifeboat.Disks;

/// <summary>How durable a write must be before it is acknowledged; the values are NFSv3's stable_how.</summary>
public enum WriteStability
{
    /// <summary>
    /// Survives a crash of the server process once the write returns; durable at the next commit, so a crash of the
    /// machine before it may lose the write.
    /// </summary>
    Unstable = 0,

    /// <summary>Data and the cluster map are durable before the write returns.</summary>
    DataSync = 1,

    /// <summary>Same as <see cref="DataSync"/>: the cache has no other metadata to make durable.</summary>
    FileSync = 2,
}
