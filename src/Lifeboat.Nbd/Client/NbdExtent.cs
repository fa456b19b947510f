namespace Lifeboat.Nbd.Client;

/// <summary>
/// A run of an export with one status. Flags belong to the metadata context: for <c>base:allocation</c> 1 is a
/// hole and 2 reads as zeroes; for <c>qemu:dirty-bitmap:NAME</c> 1 is dirty.
/// </summary>
public readonly record struct NbdExtent(long Offset, long Length, uint Flags)
{
    public long End => Offset + Length;
}
