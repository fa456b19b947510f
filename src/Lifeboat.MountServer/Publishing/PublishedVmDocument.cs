namespace Lifeboat.MountServer.Publishing;

/// <summary>`lifeboat.json` in a publication's folder: what the backup recorded about the VM and its disks.</summary>
public sealed record PublishedVmDocument(
    string Vm,
    string RestorePointId,
    DateTimeOffset BackupTime,
    string? VmConfigFormat,
    string? VmConfig,
    int? Cpus,
    long? MemoryMiB,
    string? DiskBus,
    string? NicModel,
    string? Firmware,
    string? Kernel,
    string? Initrd,
    string? Cmdline,
    IReadOnlyList<PublishedDiskDocument> Disks);

public sealed record PublishedDiskDocument(int Index, string SourceName, long Size, string RawFile, string VmdkFile);
