namespace Lifeboat.Repository;

/// <summary>Progress of a restore in logical disk bytes.</summary>
public sealed record RestoreProgress(long BytesDone, long TotalBytes);
