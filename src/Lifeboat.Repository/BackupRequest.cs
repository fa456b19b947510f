namespace Lifeboat.Repository;

/// <summary>What to back up: a VM name, its disk image files (raw or qcow2) and optionally its configuration file.</summary>
public sealed record BackupRequest(string Vm, IReadOnlyList<string> DiskPaths, string? VmConfigPath = null);
