namespace Lifeboat.FileRestore.Archives.Tar;

/// <summary>
/// One entry of a tar, with its name's and link's raw bytes (never decoded: guest names need not be UTF-8).
/// <see cref="Size"/> is the data's length for files and 0 for everything else.
/// </summary>
/// <param name="LinkName">A symlink's target or a hard link's original name, raw; null for other kinds.</param>
/// <param name="ModifiedAt">Seconds since the Unix epoch.</param>
internal sealed record TarEntry(
    byte[] Name,
    TarEntryKind Kind,
    int Mode,
    long Uid,
    long Gid,
    long Size,
    long ModifiedAt,
    byte[]? LinkName = null,
    string? UserName = null,
    string? GroupName = null,
    int DeviceMajor = 0,
    int DeviceMinor = 0)
{
    /// <summary>The longest name or link target read from a tar (GNU long-name or PAX record) or written.</summary>
    public const int MaxNameLength = 64 * 1024;

    public string DisplayName => GuestText.Escape(Name);
}
