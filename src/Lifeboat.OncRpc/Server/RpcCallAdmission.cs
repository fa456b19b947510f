using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using Lifeboat.OncRpc.Peers;
using Lifeboat.OncRpc.Rpc;
using Lifeboat.OncRpc.Transport;
using Microsoft.Extensions.Logging;

namespace Lifeboat.OncRpc.Server;

/// <summary>
/// What a server does with a received message before any program runs (RFC 5531 section 9): it parses the call
/// header and answers a wrong RPC version, refused credentials, an unknown program or a version outside the
/// program's range itself. Shared by the TCP and UDP transports so both refuse alike.
/// </summary>
internal static class RpcCallAdmission
{
    /// <summary>
    /// True when the call goes to <paramref name="program"/>. Otherwise <paramref name="refusal"/> is the sealed reply to
    /// send, or null when the message is not a readable RPC call at all (TCP closes the connection, UDP drops the datagram).
    /// </summary>
    public static bool TryAdmit(
        ReadOnlySpan<byte> message,
        FrozenDictionary<uint, IRpcProgram> programs,
        RpcPeer remote,
        ILogger logger,
        out RpcCallHeader header,
        [NotNullWhen(true)] out IRpcProgram? program,
        out RecordBuffer? refusal)
    {
        program = null;
        refusal = null;
        var status = RpcCallHeader.TryParse(message, out header, out var xid, out var authError);
        switch (status)
        {
            case RpcCallHeaderStatus.Ok:
                break;
            case RpcCallHeaderStatus.RpcVersionMismatch:
                RpcServerLog.RpcVersionRefused(logger, xid, remote);
                refusal = RpcReplies.RpcMismatch(xid);
                return false;
            case RpcCallHeaderStatus.AuthError:
                RpcServerLog.CredentialsRefused(logger, xid, remote, authError);
                refusal = RpcReplies.AuthError(xid, authError);
                return false;
            default:
                return false;
        }

        if (!programs.TryGetValue(header.Program, out var found))
        {
            refusal = RpcReplies.ProgramUnavailable(xid);
            return false;
        }

        if (header.Version < found.LowVersion || header.Version > found.HighVersion)
        {
            refusal = RpcReplies.ProgramMismatch(xid, found);
            return false;
        }

        program = found;
        return true;
    }
}
