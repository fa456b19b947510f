using System.Buffers.Binary;
using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.OncRpc.Rpc;

/// <summary>Encodes the rpc_msg headers of RFC 5531 section 9. Replies always carry an AUTH_NONE verifier.</summary>
public static class RpcMessageEncoder
{
    /// <summary>xid, REPLY, MSG_ACCEPTED, AUTH_NONE verifier (flavor, empty body), accept_stat.</summary>
    public const int AcceptedReplyHeaderSize = 24;

    /// <summary>Writes an accepted reply's header in place; results (for SUCCESS) follow it.</summary>
    public static void WriteAcceptedReplyHeader(Span<byte> destination, uint xid, RpcAcceptStatus status)
    {
        var header = destination[..AcceptedReplyHeaderSize];
        BinaryPrimitives.WriteUInt32BigEndian(header, xid);
        BinaryPrimitives.WriteUInt32BigEndian(header[4..], (uint)RpcMessageType.Reply);
        BinaryPrimitives.WriteUInt32BigEndian(header[8..], (uint)RpcReplyStatus.Accepted);
        BinaryPrimitives.WriteUInt32BigEndian(header[12..], (uint)AuthFlavor.None);
        BinaryPrimitives.WriteUInt32BigEndian(header[16..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(header[20..], (uint)status);
    }

    /// <summary>An accepted reply without results: any status but SUCCESS (whose results the caller appends) and PROG_MISMATCH.</summary>
    public static void WriteAcceptedReply(XdrWriter writer, uint xid, RpcAcceptStatus status)
    {
        WriteAcceptedReplyHeader(writer.Output.GetSpan(AcceptedReplyHeaderSize), xid, status);
        writer.Output.Advance(AcceptedReplyHeaderSize);
    }

    /// <summary>PROG_MISMATCH with the lowest and highest versions of the program served.</summary>
    public static void WriteProgramMismatchReply(XdrWriter writer, uint xid, uint lowVersion, uint highVersion)
    {
        WriteAcceptedReply(writer, xid, RpcAcceptStatus.ProgMismatch);
        writer.WriteUInt32(lowVersion);
        writer.WriteUInt32(highVersion);
    }

    /// <summary>MSG_DENIED RPC_MISMATCH: this server speaks only RPC version 2.</summary>
    public static void WriteRpcMismatchReply(XdrWriter writer, uint xid)
    {
        WriteDeniedHeader(writer, xid, RpcRejectStatus.RpcMismatch);
        writer.WriteUInt32(RpcCallHeader.RpcVersion);
        writer.WriteUInt32(RpcCallHeader.RpcVersion);
    }

    /// <summary>MSG_DENIED AUTH_ERROR with why the credentials or verifier were refused.</summary>
    public static void WriteAuthErrorReply(XdrWriter writer, uint xid, AuthStat status)
    {
        WriteDeniedHeader(writer, xid, RpcRejectStatus.AuthError);
        writer.WriteUInt32((uint)status);
    }

    /// <summary>A call header up to the arguments, with an AUTH_NONE verifier.</summary>
    public static void WriteCallHeader(XdrWriter writer, uint xid, uint program, uint version, uint procedure, RpcCredentials credentials)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        writer.WriteUInt32(xid);
        writer.WriteUInt32((uint)RpcMessageType.Call);
        writer.WriteUInt32(RpcCallHeader.RpcVersion);
        writer.WriteUInt32(program);
        writer.WriteUInt32(version);
        writer.WriteUInt32(procedure);
        if (credentials.Sys is { } sys)
        {
            var body = new System.Buffers.ArrayBufferWriter<byte>(64);
            sys.WriteTo(new XdrWriter(body));
            writer.WriteUInt32((uint)AuthFlavor.Sys);
            writer.WriteOpaque(body.WrittenSpan);
        }
        else
        {
            writer.WriteUInt32((uint)AuthFlavor.None);
            writer.WriteUInt32(0);
        }

        writer.WriteUInt32((uint)AuthFlavor.None);
        writer.WriteUInt32(0);
    }

    private static void WriteDeniedHeader(XdrWriter writer, uint xid, RpcRejectStatus status)
    {
        writer.WriteUInt32(xid);
        writer.WriteUInt32((uint)RpcMessageType.Reply);
        writer.WriteUInt32((uint)RpcReplyStatus.Denied);
        writer.WriteUInt32((uint)status);
    }
}
