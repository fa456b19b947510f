namespace Lifeboat.OncRpc.Xdr;

/// <summary>
/// Malformed XDR: input ended early, a length exceeded its cap, or a value was out of range.
/// The RPC server answers a call whose arguments raise it with GARBAGE_ARGS.
/// </summary>
public sealed class XdrException : Exception
{
    public XdrException()
    {
    }

    public XdrException(string message)
        : base(message)
    {
    }

    public XdrException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
