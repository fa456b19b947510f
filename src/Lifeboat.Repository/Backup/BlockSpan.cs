namespace Lifeboat.Repository.Backup;

/// <summary>A run of whole blocks of one disk read into a pooled buffer (the tail past the disk's end is zeroed).</summary>
internal readonly record struct BlockSpan(int DiskIndex, long FirstBlock, int BlockCount, long Bytes, byte[] Buffer);
