namespace Lifeboat.Transport;

/// <summary>One reply or record built in a pooled buffer, ready to leave in a gathered write.</summary>
public interface IOutgoingFrame
{
    /// <summary>The bytes to send; empty for a frame that is dropped (a request that gets no reply).</summary>
    ArraySegment<byte> Bytes { get; }

    /// <summary>The payload bytes the frame's request was admitted with, returned to the connection's budget once sent.</summary>
    long AdmittedBytes { get; }

    /// <summary>Returns the buffer to its pool; called once, after the frame was sent or dropped.</summary>
    void Release();
}
