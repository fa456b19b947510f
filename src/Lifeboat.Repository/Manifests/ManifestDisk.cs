namespace Lifeboat.Repository.Manifests;

/// <summary>One disk of a restore point as its manifest records it; its block map follows the JSON header.</summary>
internal sealed record ManifestDisk(
    int Index,
    string Name,
    string SourcePath,
    string SourceFormat,
    long Size,
    int BlockSize,
    long ZeroBlocks,
    long StoredBytes,
    DiskChangeTracking? ChangeTracking = null)
{
    public long BlockCount => (Size + BlockSize - 1) / BlockSize;
}
