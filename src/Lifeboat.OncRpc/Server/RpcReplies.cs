using Lifeboat.OncRpc.Rpc;
using Lifeboat.OncRpc.Transport;
using Lifeboat.OncRpc.Xdr;
using Microsoft.Extensions.Logging;

namespace Lifeboat.OncRpc.Server;

/// <summary>Builds the sealed reply records the server sends.</summary>
internal static class RpcReplies
{
    /// <summary>
    /// Turns a finished dispatch into its sealed reply. An <see cref="XdrException"/> becomes GARBAGE_ARGS, an
    /// <see cref="RpcAuthException"/> AUTH_ERROR, a program's own PROG_MISMATCH carries its version range, and any
    /// other exception becomes SYSTEM_ERR, logged unless <paramref name="aborted"/> says the server cancelled the call.
    /// </summary>
    public static RecordBuffer Complete(RpcCall call, IRpcProgram program, RecordBuffer reply, RpcAcceptStatus status, Exception? error, ILogger logger, bool aborted)
    {
        program.Metrics?.Record(call.Procedure, call.ReceivedAt);
        switch (error)
        {
            case null:
                break;
            case XdrException:
                status = RpcAcceptStatus.GarbageArgs;
                break;
            case RpcAuthException auth:
                return RewriteAsAuthError(reply, call.Xid, auth.Status);
            default:
                if (!aborted)
                {
                    RpcServerLog.DispatchFailed(logger, error, call.Program, call.Version, call.Procedure, call.Xid);
                }

                status = RpcAcceptStatus.SystemErr;
                break;
        }

        if (status == RpcAcceptStatus.ProgMismatch)
        {
            reply.Dispose();
            return ProgramMismatch(call.Xid, program);
        }

        return CompleteAccepted(reply, call.Xid, status);
    }

    /// <summary>Fills in the accepted-reply header reserved in front of the results (dropped unless the status is SUCCESS).</summary>
    public static RecordBuffer CompleteAccepted(RecordBuffer reply, uint xid, RpcAcceptStatus status)
    {
        if (status > RpcAcceptStatus.SystemErr)
        {
            status = RpcAcceptStatus.SystemErr;
        }

        if (status != RpcAcceptStatus.Success)
        {
            reply.ClearBody();
        }

        RpcMessageEncoder.WriteAcceptedReplyHeader(reply.Header, xid, status);
        reply.Seal();
        return reply;
    }

    /// <summary>Replaces whatever a program wrote with MSG_DENIED AUTH_ERROR.</summary>
    public static RecordBuffer RewriteAsAuthError(RecordBuffer reply, uint xid, AuthStat status)
    {
        reply.ClearAll();
        RpcMessageEncoder.WriteAuthErrorReply(new XdrWriter(reply), xid, status);
        reply.Seal();
        return reply;
    }

    public static RecordBuffer AuthError(uint xid, AuthStat status) => RewriteAsAuthError(new RecordBuffer(), xid, status);

    public static RecordBuffer RpcMismatch(uint xid)
    {
        var reply = new RecordBuffer();
        RpcMessageEncoder.WriteRpcMismatchReply(new XdrWriter(reply), xid);
        reply.Seal();
        return reply;
    }

    public static RecordBuffer ProgramUnavailable(uint xid)
    {
        var reply = new RecordBuffer();
        RpcMessageEncoder.WriteAcceptedReply(new XdrWriter(reply), xid, RpcAcceptStatus.ProgUnavail);
        reply.Seal();
        return reply;
    }

    public static RecordBuffer ProgramMismatch(uint xid, IRpcProgram program)
    {
        var reply = new RecordBuffer();
        RpcMessageEncoder.WriteProgramMismatchReply(new XdrWriter(reply), xid, program.LowVersion, program.HighVersion);
        reply.Seal();
        return reply;
    }
}
