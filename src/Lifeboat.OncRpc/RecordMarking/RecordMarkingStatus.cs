namespace Lifeboat.OncRpc.RecordMarking;

/// <summary>What <see cref="RecordMarkingReader.TryReadRecord"/> found at the start of the buffer.</summary>
public enum RecordMarkingStatus
{
    /// <summary>A whole record (every fragment up to the last) is available.</summary>
    Complete,

    /// <summary>The record is incomplete; read more bytes and try again.</summary>
    NeedMoreData,

    /// <summary>A fragment or the record exceeds the configured caps; the stream cannot be resynchronized.</summary>
    TooLarge,
}
