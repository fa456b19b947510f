namespace Lifeboat.Disks.Hydration;

/// <summary>
/// A copy a read of the base will keep: <paramref name="Length"/> bytes of whole clusters from byte
/// <paramref name="Start"/>, read while the store's epoch was <paramref name="Epoch"/>; <paramref name="Queued"/> when
/// the hydration writer reserved room for it, else the read stores it itself.
/// </summary>
internal readonly record struct HydrationCopy(long Start, int Length, long Epoch, bool Queued);
