using System.Buffers;
using System.Buffers.Binary;
using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.OncRpc.Tests;

/// <summary>Builds raw call messages, including ones no well-behaved client would send.</summary>
internal static class RpcMessages
{
    public static byte[] Call(
        uint xid,
        uint program,
        uint version,
        uint procedure,
        uint rpcVersion = 2,
        uint credentialFlavor = 0,
        byte[]? credentialBody = null,
        uint verifierFlavor = 0,
        byte[]? arguments = null)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new XdrWriter(buffer);
        writer.WriteUInt32(xid);
        writer.WriteUInt32(0);
        writer.WriteUInt32(rpcVersion);
        writer.WriteUInt32(program);
        writer.WriteUInt32(version);
        writer.WriteUInt32(procedure);
        writer.WriteUInt32(credentialFlavor);
        writer.WriteOpaque(credentialBody ?? []);
        writer.WriteUInt32(verifierFlavor);
        writer.WriteOpaque([]);
        writer.WriteFixedOpaque(arguments ?? []);
        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] AuthSysBody(string machineName, uint uid, uint gid, params uint[] gids)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new XdrWriter(buffer);
        writer.WriteUInt32(1234);
        writer.WriteString(machineName);
        writer.WriteUInt32(uid);
        writer.WriteUInt32(gid);
        writer.WriteUInt32((uint)gids.Length);
        foreach (var g in gids)
        {
            writer.WriteUInt32(g);
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] Opaque(ReadOnlySpan<byte> data)
    {
        var buffer = new ArrayBufferWriter<byte>();
        new XdrWriter(buffer).WriteOpaque(data);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Record-marks a message as one fragment, or as <paramref name="fragments"/> pieces.</summary>
    public static byte[] Frame(byte[] message, int fragments = 1)
    {
        var output = new List<byte>();
        var size = Math.Max(1, message.Length / fragments);
        for (var offset = 0; offset < message.Length || output.Count == 0; offset += size)
        {
            var last = offset + size >= message.Length;
            var length = last ? message.Length - offset : size;
            var header = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(header, (last ? 0x8000_0000u : 0) | (uint)length);
            output.AddRange(header);
            output.AddRange(message.AsSpan(offset, length).ToArray());
            if (last)
            {
                break;
            }
        }

        return [.. output];
    }

    /// <summary>Record-marks a message as fragments of exactly these lengths (the last takes what is left): any split RFC 5531 allows.</summary>
    public static byte[] FrameAt(byte[] message, IReadOnlyList<int> lengths)
    {
        var output = new List<byte>();
        var offset = 0;
        foreach (var length in lengths)
        {
            var last = offset + length >= message.Length;
            var take = last ? message.Length - offset : length;
            var header = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(header, (last ? 0x8000_0000u : 0) | (uint)take);
            output.AddRange(header);
            output.AddRange(message.AsSpan(offset, take).ToArray());
            offset += take;
            if (last)
            {
                break;
            }
        }

        return [.. output];
    }
}
