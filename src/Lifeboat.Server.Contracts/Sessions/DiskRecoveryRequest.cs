namespace Lifeboat.Server.Contracts.Sessions;

/// <summary>
/// The body of <c>POST /api/disk-recoveries</c> (instant disk recovery): disk
/// <see cref="Disk"/> of a restore point, published with a write cache of its own, hot-plugged into a VM that runs now.
/// </summary>
/// <param name="Vm">The backed-up VM whose restore point holds the disk.</param>
/// <param name="RestorePoint">A restore point id, or null / "latest" for the newest.</param>
/// <param name="Disk">The disk's index in the restore point (0 is the first).</param>
/// <param name="TargetVm">The running VM to attach it to: on the local host a live session's VM (by its name or the session's id), on a libvirt host a running domain.</param>
/// <param name="Host">The target VM's host (<c>GET /api/hosts</c>); null: the local QEMU host.</param>
/// <param name="Protocol"><c>nfs</c> (the default) or <c>nbd</c>: how the VM's host reaches the published disk.</param>
/// <param name="RedirectWritesTo">A datastore folder for the write cache instead of the mount server's cache folder.</param>
public sealed record DiskRecoveryRequest(
    string Vm, string? RestorePoint, int Disk, string TargetVm, string? Host = null, string? Protocol = null, string? RedirectWritesTo = null);
