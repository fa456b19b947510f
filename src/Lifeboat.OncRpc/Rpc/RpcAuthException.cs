namespace Lifeboat.OncRpc.Rpc;

/// <summary>
/// Thrown by an <see cref="IRpcProgram"/> to refuse a call's credentials; the server replies MSG_DENIED
/// AUTH_ERROR with <see cref="Status"/>.
/// </summary>
public sealed class RpcAuthException : Exception
{
    public RpcAuthException()
        : this(AuthStat.TooWeak)
    {
    }

    public RpcAuthException(string message)
        : this(AuthStat.TooWeak, message)
    {
    }

    public RpcAuthException(string message, Exception innerException)
        : base(message, innerException)
    {
        Status = AuthStat.TooWeak;
    }

    public RpcAuthException(AuthStat status)
        : this(status, $"The call's credentials were refused ({status}).")
    {
    }

    public RpcAuthException(AuthStat status, string message)
        : base(message)
    {
        if (status == AuthStat.Ok)
        {
            throw new ArgumentOutOfRangeException(nameof(status), status, "An authentication error needs a failing status.");
        }

        Status = status;
    }

    public AuthStat Status { get; }
}
