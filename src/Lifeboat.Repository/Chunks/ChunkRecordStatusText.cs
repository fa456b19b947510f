namespace Lifeboat.Repository.Chunks;

/// <summary>Words for what is wrong with a chunk, used inside user-facing messages.</summary>
internal static class ChunkRecordStatusText
{
    public static string Describe(ChunkRecordStatus status) => status switch
    {
        ChunkRecordStatus.NeedMoreData => "is truncated",
        ChunkRecordStatus.BadHeader => "has a damaged record header",
        ChunkRecordStatus.WrongId => "is not where the index says (another chunk is there)",
        ChunkRecordStatus.BadChecksum => "fails its checksum",
        ChunkRecordStatus.DecryptionFailed => "fails authentication (altered encrypted data)",
        ChunkRecordStatus.DecompressionFailed => "cannot be decompressed",
        ChunkRecordStatus.WrongContentHash => "does not match its content hash",
        _ => "is valid",
    };
}
