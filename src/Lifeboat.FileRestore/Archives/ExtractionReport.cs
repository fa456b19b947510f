namespace Lifeboat.FileRestore.Archives;

/// <summary>What extracting a selection did, path by path.</summary>
/// <param name="OwnersKept">Whether files got their guest owners (only when running as root).</param>
/// <param name="Note">Said once for the whole extraction (owners not kept), or null.</param>
public sealed record ExtractionReport(IReadOnlyList<ExtractedPath> Paths, bool OwnersKept, string? Note)
{
    public bool Succeeded => Paths.All(p => p.Error is null);
}
