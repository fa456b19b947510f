namespace Lifeboat.Nfs.Datastore.Local;

/// <summary>What SETATTR does to one of an object's times; the default leaves it as it is.</summary>
internal readonly record struct LocalTimeChange(LocalTimeChangeKind Kind, long Seconds, uint Nanoseconds)
{
    private const uint MaxNanoseconds = 999_999_999;

    /// <summary>The file system's clock, read by the kernel when it applies the change.</summary>
    public static LocalTimeChange Now => new(LocalTimeChangeKind.Now, 0, 0);

    public bool IsSet => Kind != LocalTimeChangeKind.Unchanged;

    public static LocalTimeChange At(long seconds, uint nanoseconds) =>
        new(LocalTimeChangeKind.At, seconds, Math.Min(nanoseconds, MaxNanoseconds));

    /// <summary>struct timespec for utimensat, with its markers for "leave" and "now".</summary>
    public (long Seconds, long Nanoseconds) ToTimespec() => Kind switch
    {
        LocalTimeChangeKind.Unchanged => (0, LibC.UtimeOmit),
        LocalTimeChangeKind.Now => (0, LibC.UtimeNow),
        _ => (Seconds, Nanoseconds),
    };
}
