namespace Lifeboat.Server.Contracts.FileRestore;

/// <summary>A download of a file-restore session: what it sends and how far it got.</summary>
/// <param name="Id">The id its response named in the <c>Lifeboat-Download</c> header.</param>
/// <param name="Paths">The paths asked for, as <c>FS:/PATH</c> texts.</param>
/// <param name="Format"><c>tar.zst</c>, <c>zip</c>, <c>tar</c> or <c>raw</c>.</param>
/// <param name="BytesDone">Bytes sent so far.</param>
/// <param name="CurrentPath">The path being read now (the last one read once it has ended).</param>
/// <param name="EndedAt">Null while it runs.</param>
/// <param name="Error">Why it failed, in one sentence (a damaged block names the file, the chunk and the disk offset); null when it did not.</param>
public sealed record FileRestoreDownloadView(
    string Id,
    IReadOnlyList<string> Paths,
    string Format,
    DateTimeOffset StartedAt,
    long BytesDone,
    string CurrentPath,
    DateTimeOffset? EndedAt,
    string? Error);
