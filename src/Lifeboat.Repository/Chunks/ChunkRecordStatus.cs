namespace Lifeboat.Repository.Chunks;

/// <summary>Outcome of parsing or checking one chunk record.</summary>
internal enum ChunkRecordStatus
{
    Ok,
    NeedMoreData,
    BadHeader,
    WrongId,
    BadChecksum,
    DecryptionFailed,
    DecompressionFailed,
    WrongContentHash,
}
