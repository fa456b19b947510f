namespace Lifeboat.Repository.Manifests;

/// <summary>The JSON header of a restore point manifest (format version 1).</summary>
internal sealed record ManifestHeader(
    string Id,
    string Vm,
    DateTimeOffset Time,
    string? ParentId,
    ManifestVmConfig? VmConfig,
    IReadOnlyList<ManifestDisk> Disks,
    BackupConsistency? Consistency = null);
