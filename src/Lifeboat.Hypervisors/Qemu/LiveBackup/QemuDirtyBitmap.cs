namespace Lifeboat.Hypervisors.Qemu.LiveBackup;

/// <summary>A dirty bitmap of a block node as <c>query-block</c> lists it.</summary>
/// <param name="Recording">False while disabled: writes are then not tracked.</param>
/// <param name="Inconsistent">QEMU found it in use when it opened the image (it did not shut down cleanly): it cannot be trusted.</param>
public sealed record QemuDirtyBitmap(string Name, bool Recording, bool Persistent, bool Busy, bool Inconsistent, long Granularity, long DirtyBytes);
