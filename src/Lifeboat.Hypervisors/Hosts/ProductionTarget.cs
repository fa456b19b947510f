namespace Lifeboat.Hypervisors.Hosts;

/// <summary>Where a migration puts the disks: a folder (on the VM's host) and a format, for disks of these sizes.</summary>
/// <param name="Location">An absolute folder on the host, or <c>pool:NAME</c> for a libvirt storage pool.</param>
/// <param name="Qcow2">qcow2 files; raw when false.</param>
public sealed record ProductionTarget(string Location, bool Qcow2, IReadOnlyList<long> DiskSizes);
