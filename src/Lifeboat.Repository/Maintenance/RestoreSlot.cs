namespace Lifeboat.Repository.Maintenance;

/// <summary>One batch of a disk being restored: its decoded blocks, and the damage found in them.</summary>
internal sealed class RestoreSlot(int batchBlocks, int blockSize)
{
    public byte[] Buffer { get; } = new byte[(long)batchBlocks * blockSize];

    /// <summary>The damage of each block of the batch, null where it decoded (or is a hole).</summary>
    public CorruptChunkException?[] Damage { get; } = new CorruptChunkException?[batchBlocks];

    /// <summary>Set by the decoder that filled the slot, cleared by the writer once written (under the window's lock).</summary>
    public bool Ready { get; set; }
}
