namespace Lifeboat.Transport;

/// <summary>A protocol handler of a <see cref="FramedConnection{TFrame, TReply}"/>: its frames, plus what comes before and after them.</summary>
public interface IConnectionProtocol<TFrame> : IFrameProtocol<TFrame>
{
    /// <summary>Identifies the peer and runs any handshake; false closes the connection before any frame is read.</summary>
    ValueTask<bool> StartAsync();

    /// <summary>The connection is closed and every reply sent or dropped: the last log line.</summary>
    void Closed();
}
