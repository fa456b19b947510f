namespace Lifeboat.Repository;

/// <summary>What to back up: a VM name, its disk image files (raw or qcow2) and optionally its configuration file.</summary>
public sealed record BackupRequest(string Vm, IReadOnlyList<string> DiskPaths, string? VmConfigPath = null)
{
    /// <summary>Disks already open (a running VM's); when set, <see cref="DiskPaths"/> is ignored.</summary>
    public IReadOnlyList<BackupDisk>? Disks { get; init; }

    /// <summary>The VM's hardware as JSON or libvirt XML text, when it comes from the hypervisor rather than a file.</summary>
    public string? VmConfigText { get; init; }

    /// <summary>How consistent the disks' point in time is (live backups).</summary>
    public BackupConsistency? Consistency { get; init; }
}
