namespace Lifeboat.Repository;

/// <summary>Result of a verify: what was checked and everything found damaged.</summary>
public sealed record VerifyReport(
    long ChunksChecked,
    long BytesChecked,
    IReadOnlyList<BadChunk> BadChunks,
    IReadOnlyList<DamagedFile> DamagedFiles)
{
    public bool Ok => BadChunks.Count == 0 && DamagedFiles.Count == 0;
}
