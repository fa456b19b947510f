namespace Lifeboat.Transport;

/// <summary>What a protocol found at the start of a connection's receive buffer.</summary>
public enum FrameStatus
{
    /// <summary>A whole frame, now dispatched.</summary>
    Complete,

    /// <summary>The frame is not all there yet.</summary>
    Incomplete,

    /// <summary>The peer broke the protocol or said goodbye (the protocol logged why): the connection closes.</summary>
    Close,
}
