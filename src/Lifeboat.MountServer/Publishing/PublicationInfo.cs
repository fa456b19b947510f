namespace Lifeboat.MountServer.Publishing;

/// <summary>A live publication: where its disks are, for QEMU (portmap finds the ports) and for libnfs clients (ports in the URL).</summary>
public sealed record PublicationInfo(
    string Name,
    string Vm,
    string RestorePointId,
    string CacheFolder,
    IReadOnlyList<string> DiskUrls,
    IReadOnlyList<string> DiskUrlsWithPorts);
