namespace Lifeboat.Repository;

/// <summary>Progress of a verify in chunks.</summary>
public sealed record VerifyProgress(long ChunksChecked, long TotalChunks, long BytesChecked);
