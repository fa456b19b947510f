namespace Lifeboat.Repository;

/// <summary>What a restore wrote: one raw file per disk (in disk order), bytes of data written, damaged ranges (only with ContinueOnError).</summary>
public sealed record RestoreResult(IReadOnlyList<string> Files, long BytesWritten, IReadOnlyList<BadRange> BadRanges);
