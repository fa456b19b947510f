namespace Lifeboat.Repository;

/// <summary>One disk of a restore point.</summary>
/// <param name="Index">Position of the disk in the backup (0 for the first --disk).</param>
/// <param name="Name">File name of the backed-up disk image.</param>
/// <param name="SourcePath">Full path the disk was read from.</param>
/// <param name="SourceFormat">"raw" or "qcow2".</param>
/// <param name="Size">Virtual size in bytes.</param>
/// <param name="BlockSize">Size of the chunks the disk was cut into.</param>
/// <param name="ZeroBlocks">Blocks that were holes or all zeros (not stored).</param>
/// <param name="StoredBytes">Bytes this restore point added to the repository for this disk.</param>
/// <param name="ChangeTracking">How a live backup read the disk; null for a backup of disk files.</param>
public sealed record DiskInfo(
    int Index, string Name, string SourcePath, string SourceFormat, long Size, int BlockSize, long ZeroBlocks, long StoredBytes,
    DiskChangeTracking? ChangeTracking = null);
