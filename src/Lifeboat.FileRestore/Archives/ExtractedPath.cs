namespace Lifeboat.FileRestore.Archives;

/// <summary>What extracting one selected path did.</summary>
/// <param name="Name">The name it got in the folder (escaped as <see cref="GuestText"/> writes names).</param>
/// <param name="Entries">Files, folders and links written.</param>
/// <param name="Bytes">Bytes of file data written.</param>
/// <param name="Skipped">Entries not written and why (devices and fifos), at most <see cref="SelectionExtractor.MaxSkippedListed"/>.</param>
/// <param name="SkippedCount">How many were skipped in all.</param>
/// <param name="Error">Why the path stopped part way (a read error naming the file, a hostile name, a file that exists already), or null.</param>
public sealed record ExtractedPath(
    GuestPath Path,
    string Name,
    long Entries,
    long Bytes,
    IReadOnlyList<SkippedEntry> Skipped,
    long SkippedCount,
    string? Error);
