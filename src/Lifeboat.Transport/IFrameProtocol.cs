using System.Buffers;

namespace Lifeboat.Transport;

/// <summary>The protocol side of a <see cref="FramedConnection{TFrame, TReply}"/>: it finds frames and runs them.</summary>
public interface IFrameProtocol<TFrame>
{
    /// <summary>
    /// One scan of the buffer's start: on <see cref="FrameStatus.Complete"/> the frame, <paramref name="buffer"/>
    /// advanced past it, and whether another whole frame is already buffered behind it (so the caller may hand this
    /// one to another core). The frame may point into the buffer until <see cref="Dispatch"/> returns.
    /// </summary>
    FrameStatus TryParse(ref ReadOnlySequence<byte> buffer, out TFrame frame, out bool anotherFollows);

    /// <summary>The payload bytes the frame holds or asks for, counted against the connection's byte budget.</summary>
    long AdmittedBytes(in TFrame frame);

    /// <summary>
    /// Copies what it needs out of the frame and runs it or hands it off; its reply returns the admission. False
    /// closes the connection (the protocol logged why and returned the admission).
    /// </summary>
    bool Dispatch(in TFrame frame, bool anotherFollows);

    /// <summary>No whole frame is left in the buffer: run what was handed off to this loop before the replies are flushed.</summary>
    void EndOfBatch();

    /// <summary>The peer closed the stream in the middle of a frame.</summary>
    void Truncated();
}
