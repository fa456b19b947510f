namespace Lifeboat.OncRpc.Client;

/// <summary>An RPC call was answered with something other than SUCCESS.</summary>
public sealed class RpcException : Exception
{
    public RpcException()
    {
    }

    public RpcException(string message)
        : base(message)
    {
    }

    public RpcException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public RpcException(RpcReply reply)
        : base($"The RPC server refused the call: {reply}.")
    {
        Reply = reply;
    }

    public RpcReply? Reply { get; }
}
