namespace Lifeboat.FileRestore;

/// <summary>One file, folder or link in a guest file system, as lstat saw it (a symlink is not followed).</summary>
/// <param name="Path">Where it is.</param>
/// <param name="Mode">The permission bits and set-id/sticky bits (<c>st_mode &amp; 07777</c>).</param>
/// <param name="LinkTarget">A symlink's target bytes as stored (it may point anywhere, even outside the file system); null for anything else.</param>
public sealed record GuestEntry(
    GuestPath Path,
    GuestEntryType Type,
    long Size,
    int Mode,
    long Uid,
    long Gid,
    DateTimeOffset ModifiedAt,
    byte[]? LinkTarget)
{
    /// <summary>The entry's own name's bytes.</summary>
    public ReadOnlySpan<byte> Name => Path.Name;
}
