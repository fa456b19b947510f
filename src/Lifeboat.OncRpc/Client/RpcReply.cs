using Lifeboat.OncRpc.Rpc;
using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.OncRpc.Client;

/// <summary>A decoded reply_body (RFC 5531 section 9) and, for SUCCESS, the procedure's XDR results.</summary>
public sealed class RpcReply
{
    private RpcReply(uint xid, RpcReplyStatus status, RpcAcceptStatus acceptStatus, RpcRejectStatus rejectStatus, AuthStat authStat, uint low, uint high, ReadOnlyMemory<byte> results)
    {
        Xid = xid;
        Status = status;
        AcceptStatus = acceptStatus;
        RejectStatus = rejectStatus;
        AuthStat = authStat;
        MismatchLow = low;
        MismatchHigh = high;
        Results = results;
    }

    public uint Xid { get; }

    public RpcReplyStatus Status { get; }

    /// <summary>Meaningful when <see cref="Status"/> is Accepted.</summary>
    public RpcAcceptStatus AcceptStatus { get; }

    /// <summary>Meaningful when <see cref="Status"/> is Denied.</summary>
    public RpcRejectStatus RejectStatus { get; }

    /// <summary>Meaningful for a Denied AUTH_ERROR reply.</summary>
    public AuthStat AuthStat { get; }

    /// <summary>The supported range of a PROG_MISMATCH or RPC_MISMATCH reply.</summary>
    public uint MismatchLow { get; }

    public uint MismatchHigh { get; }

    /// <summary>The XDR results of a SUCCESS reply; empty otherwise.</summary>
    public ReadOnlyMemory<byte> Results { get; }

    public bool IsSuccess => Status == RpcReplyStatus.Accepted && AcceptStatus == RpcAcceptStatus.Success;

    /// <summary>Decodes a reply message; throws <see cref="XdrException"/> when it is not a well-formed reply.</summary>
    public static RpcReply Parse(ReadOnlyMemory<byte> message)
    {
        var reader = new XdrReader(message.Span);
        var xid = reader.ReadUInt32();
        if (reader.ReadUInt32() != (uint)RpcMessageType.Reply)
        {
            throw new XdrException($"Message {xid} is not an RPC reply; the peer is not an ONC RPC server.");
        }

        var status = (RpcReplyStatus)reader.ReadUInt32();
        switch (status)
        {
            case RpcReplyStatus.Accepted:
                reader.ReadUInt32();
                reader.ReadOpaque(RpcCallHeader.MaxAuthBodyLength);
                var accept = (RpcAcceptStatus)reader.ReadUInt32();
                if (accept == RpcAcceptStatus.ProgMismatch)
                {
                    var low = reader.ReadUInt32();
                    var high = reader.ReadUInt32();
                    return new RpcReply(xid, status, accept, default, AuthStat.Ok, low, high, default);
                }

                var results = accept == RpcAcceptStatus.Success ? message[reader.Position..] : default;
                return new RpcReply(xid, status, accept, default, AuthStat.Ok, 0, 0, results);
            case RpcReplyStatus.Denied:
                var reject = (RpcRejectStatus)reader.ReadUInt32();
                return reject switch
                {
                    RpcRejectStatus.RpcMismatch => new RpcReply(xid, status, default, reject, AuthStat.Ok, reader.ReadUInt32(), reader.ReadUInt32(), default),
                    RpcRejectStatus.AuthError => new RpcReply(xid, status, default, reject, (AuthStat)reader.ReadUInt32(), 0, 0, default),
                    _ => throw new XdrException($"Reply {xid} has unknown reject_stat {(uint)reject}."),
                };
            default:
                throw new XdrException($"Reply {xid} has unknown reply_stat {(uint)status}.");
        }
    }

    /// <summary>Throws <see cref="RpcException"/> unless the call succeeded.</summary>
    public RpcReply EnsureSuccess() => IsSuccess ? this : throw new RpcException(this);

    public override string ToString() => Status switch
    {
        RpcReplyStatus.Accepted when AcceptStatus == RpcAcceptStatus.ProgMismatch => $"PROG_MISMATCH (versions {MismatchLow}-{MismatchHigh})",
        RpcReplyStatus.Accepted => AcceptStatus.ToString(),
        _ when RejectStatus == RpcRejectStatus.RpcMismatch => $"RPC_MISMATCH (versions {MismatchLow}-{MismatchHigh})",
        _ => $"AUTH_ERROR {AuthStat}",
    };
}
