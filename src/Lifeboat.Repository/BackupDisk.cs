using Lifeboat.Repository.DiskImages;

namespace Lifeboat.Repository;

/// <summary>
/// A disk handed to a backup already open, such as a running VM's point-in-time view. The caller keeps it open for the
/// whole backup and disposes it after.
/// </summary>
/// <param name="Name">The disk's name in the restore point (the VM's device name).</param>
/// <param name="SourcePath">Where it was read from, for people (e.g. the QMP socket and node name).</param>
public sealed record BackupDisk(string Name, string SourcePath, IDiskSource Source);
