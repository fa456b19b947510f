using Lifeboat.OncRpc.Client;
using Lifeboat.OncRpc.Rpc;

namespace Lifeboat.EndToEnd.Tests;

internal static class RpcReplyOutcomes
{
    /// <summary>A reply's outcome and xid; no reply (the server closed the connection) is <see cref="RpcReplyOutcome.Closed"/>.</summary>
    public static (RpcReplyOutcome Outcome, uint Xid) Of(RpcReply? reply) => reply switch
    {
        null => (RpcReplyOutcome.Closed, 0),
        { Status: RpcReplyStatus.Denied } => (reply.RejectStatus == RpcRejectStatus.RpcMismatch ? RpcReplyOutcome.RpcMismatch : RpcReplyOutcome.AuthError, reply.Xid),
        _ => (reply.AcceptStatus switch
        {
            RpcAcceptStatus.Success => RpcReplyOutcome.Success,
            RpcAcceptStatus.ProgUnavail => RpcReplyOutcome.ProgramUnavailable,
            RpcAcceptStatus.ProgMismatch => RpcReplyOutcome.ProgramMismatch,
            RpcAcceptStatus.ProcUnavail => RpcReplyOutcome.ProcedureUnavailable,
            RpcAcceptStatus.GarbageArgs => RpcReplyOutcome.GarbageArguments,
            RpcAcceptStatus.SystemErr => RpcReplyOutcome.SystemError,
            var other => throw new InvalidDataException($"The reply's accept_stat {(uint)other} is not one RFC 5531 defines."),
        }, reply.Xid),
    };
}
