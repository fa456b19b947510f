namespace Lifeboat.Disks;

/// <summary>
/// A run of a published disk that holds data (written since publication, or stored in the base), or that reads as
/// zeroes without being stored anywhere (<see cref="IsZero"/>: never written, and a zero block of the base or past
/// its end).
/// </summary>
public readonly record struct DiskAllocationRun(long Offset, long Length, bool IsZero)
{
    public long End => Offset + Length;
}
