namespace Lifeboat.Nbd.Protocol;

public enum NbdParseStatus
{
    /// <summary>A whole message was read.</summary>
    Complete,

    /// <summary>The buffer ends inside the message; nothing was consumed.</summary>
    NeedMoreData,

    /// <summary>The bytes are not the message expected (wrong magic, impossible length): close the connection.</summary>
    Malformed,
}
