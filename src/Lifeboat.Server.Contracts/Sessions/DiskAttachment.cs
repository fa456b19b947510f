namespace Lifeboat.Server.Contracts.Sessions;

/// <summary>What a disk-recovery session attaches: which disk of the restore point, to which running VM, under which id.</summary>
/// <param name="Disk">The disk's index in the restore point.</param>
/// <param name="TargetVm">The running VM it is attached to, on the session's host.</param>
/// <param name="DiskId">The disk's id in that VM, which is also the serial the guest sees (<c>/sys/block/vdX/serial</c>).</param>
public sealed record DiskAttachment(int Disk, string TargetVm, string DiskId);
