namespace Lifeboat.Repository.Backup;

/// <summary>
/// A run of whole blocks of one disk to encode (<see cref="Bytes"/> stops at the disk's end). <see cref="Buffer"/> holds
/// the blocks already read (pooled; the tail past the disk's end zeroed) for a source read by one thread, else null:
/// the worker reads them.
/// </summary>
internal readonly record struct BlockSpan(int DiskIndex, long FirstBlock, int BlockCount, int Bytes, byte[]? Buffer);
