namespace Lifeboat.Server.Contracts.FileRestore;

/// <summary>
/// One file, folder or link of a guest file system (lstat: a symlink is not followed). Names are the guest's raw bytes:
/// each is given as its one escaped text (printable UTF-8 as it is, <c>\\</c>, <c>\n</c>, <c>\t</c>, <c>\r</c>, <c>\xNN</c>
/// for any other byte) and as base64 of the bytes.
/// </summary>
/// <param name="Path">The entry's <c>FS:/PATH</c> text, to pass back as <c>path</c>.</param>
/// <param name="Type"><c>file</c>, <c>directory</c>, <c>symlink</c>, <c>chardevice</c>, <c>blockdevice</c>, <c>fifo</c>, <c>socket</c> or <c>unknown</c>.</param>
/// <param name="Mode">Permission, set-id and sticky bits (<c>st_mode &amp; 07777</c>).</param>
/// <param name="LinkTarget">A symlink's target as escaped text; null for anything else.</param>
public sealed record GuestEntryView(
    string Path,
    string Name,
    string NameBase64,
    string Type,
    long Size,
    int Mode,
    long Uid,
    long Gid,
    DateTimeOffset ModifiedAt,
    string? LinkTarget,
    string? LinkTargetBase64);
