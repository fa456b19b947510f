using System.Buffers.Binary;

namespace Lifeboat.EndToEnd.Tests;

/// <summary>
/// ONC RPC messages (RFC 5531) and record marking written byte by byte, independent of Lifeboat's own
/// encoder, so that tests can send what a correct encoder never would.
/// </summary>
internal static class RpcWire
{
    public const uint RpcVersion = 2;
    public const uint LastFragment = 0x8000_0000;
    public const uint MountProgram = 100005;
    public const uint NfsProgram = 100003;

    /// <summary>A CALL with AUTH_NONE credentials and verifier.</summary>
    public static byte[] Call(uint xid, uint program, uint version, uint procedure, ReadOnlySpan<byte> arguments, uint rpcVersion = RpcVersion)
    {
        var message = new byte[(10 * 4) + arguments.Length];
        var words = new uint[] { xid, 0, rpcVersion, program, version, procedure, 0, 0, 0, 0 };
        for (var i = 0; i < words.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(i * 4), words[i]);
        }

        arguments.CopyTo(message.AsSpan(words.Length * 4));
        return message;
    }

    /// <summary>The message as one last fragment.</summary>
    public static byte[] Record(ReadOnlySpan<byte> message) => Fragment((uint)message.Length | LastFragment, message);

    /// <summary>A record mark followed by <paramref name="body"/>, whatever the mark claims.</summary>
    public static byte[] Fragment(uint mark, ReadOnlySpan<byte> body) => [.. Mark(mark), .. body];

    public static byte[] Mark(uint value)
    {
        var mark = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(mark, value);
        return mark;
    }

    public static byte[] Words(params uint[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(i * 4), values[i]);
        }

        return bytes;
    }

    /// <summary>Reads a REPLY: its xid and what it says.</summary>
    /// <exception cref="InvalidDataException">The bytes are not an RPC reply.</exception>
    public static RpcReplyOutcome ParseReply(ReadOnlySpan<byte> reply, out uint xid)
    {
        if (reply.Length < 12 || BinaryPrimitives.ReadUInt32BigEndian(reply[4..]) != 1)
        {
            throw new InvalidDataException($"The server sent {reply.Length} bytes that are not an RPC reply.");
        }

        xid = BinaryPrimitives.ReadUInt32BigEndian(reply);
        var replyStat = BinaryPrimitives.ReadUInt32BigEndian(reply[8..]);
        if (replyStat == 1)
        {
            var rejectStat = BinaryPrimitives.ReadUInt32BigEndian(reply[12..]);
            return rejectStat == 0 ? RpcReplyOutcome.RpcMismatch : RpcReplyOutcome.AuthError;
        }

        // Accepted: verifier (flavor, opaque body padded to 4 bytes), then accept_stat.
        var verifierLength = (int)BinaryPrimitives.ReadUInt32BigEndian(reply[16..]);
        var acceptStatAt = 20 + ((verifierLength + 3) & ~3);
        return BinaryPrimitives.ReadUInt32BigEndian(reply[acceptStatAt..]) switch
        {
            0 => RpcReplyOutcome.Success,
            1 => RpcReplyOutcome.ProgramUnavailable,
            2 => RpcReplyOutcome.ProgramMismatch,
            3 => RpcReplyOutcome.ProcedureUnavailable,
            4 => RpcReplyOutcome.GarbageArguments,
            5 => RpcReplyOutcome.SystemError,
            var other => throw new InvalidDataException($"The reply's accept_stat {other} is not one RFC 5531 defines."),
        };
    }
}
