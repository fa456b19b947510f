using System.Buffers.Binary;
using System.Text;
using Lifeboat.Nbd.Client;
using Lifeboat.Nbd.Protocol;

namespace Lifeboat.Nbd.Server;

/// <summary>Builds replies: simple ones, or structured chunks when the client negotiated them.</summary>
internal static class NbdReplies
{
    /// <summary>Where a READ's data starts in its reply buffer.</summary>
    public static int ReadDataOffset(bool structured) => structured ? NbdWire.StructuredReplyHeaderSize + 8 : NbdWire.SimpleReplyHeaderSize;

    /// <summary>A reply buffer for a READ, its header written; the device reads into it at <see cref="ReadDataOffset"/>.</summary>
    public static NbdOutgoingReply ForRead(bool structured, in NbdRequestHeader request, long admittedBytes)
    {
        if (structured && request.Length == 0)
        {
            // An OFFSET_DATA chunk must carry at least one byte: an empty read is answered with NONE.
            var none = new NbdOutgoingReply(NbdWire.StructuredReplyHeaderSize, admittedBytes);
            NbdReplyHeader.WriteStructured(none.Buffer, NbdReplyFlags.Done, NbdReplyType.None, request.Cookie, 0);
            return none;
        }

        var dataOffset = ReadDataOffset(structured);
        var reply = new NbdOutgoingReply(dataOffset + (int)request.Length, admittedBytes);
        if (structured)
        {
            NbdReplyHeader.WriteStructured(reply.Buffer, NbdReplyFlags.Done, NbdReplyType.OffsetData, request.Cookie, 8 + request.Length);
            BinaryPrimitives.WriteUInt64BigEndian(reply.Buffer.AsSpan(NbdWire.StructuredReplyHeaderSize), request.Offset);
        }
        else
        {
            NbdReplyHeader.WriteSimple(reply.Buffer, NbdError.None, request.Cookie);
        }

        return reply;
    }

    /// <summary>A success without payload: a simple reply, which the protocol allows for anything but READ.</summary>
    public static NbdOutgoingReply Done(ulong cookie, long admittedBytes)
    {
        var reply = new NbdOutgoingReply(NbdWire.SimpleReplyHeaderSize, admittedBytes);
        NbdReplyHeader.WriteSimple(reply.Buffer, NbdError.None, cookie);
        return reply;
    }

    /// <summary>An error; structured (with the reason for a human) when negotiated, as READ then requires.</summary>
    public static NbdOutgoingReply Error(bool structured, ulong cookie, NbdError error, string message, long admittedBytes)
    {
        if (!structured)
        {
            var simple = new NbdOutgoingReply(NbdWire.SimpleReplyHeaderSize, admittedBytes);
            NbdReplyHeader.WriteSimple(simple.Buffer, error, cookie);
            return simple;
        }

        var text = Encoding.UTF8.GetBytes(message.Length > 200 ? message[..200] : message);
        var payload = 4 + 2 + text.Length;
        var reply = new NbdOutgoingReply(NbdWire.StructuredReplyHeaderSize + payload, admittedBytes);
        var span = reply.Buffer.AsSpan();
        NbdReplyHeader.WriteStructured(span, NbdReplyFlags.Done, NbdReplyType.Error, cookie, (uint)payload);
        BinaryPrimitives.WriteUInt32BigEndian(span[NbdWire.StructuredReplyHeaderSize..], (uint)error);
        BinaryPrimitives.WriteUInt16BigEndian(span[(NbdWire.StructuredReplyHeaderSize + 4)..], (ushort)text.Length);
        text.CopyTo(span[(NbdWire.StructuredReplyHeaderSize + 6)..]);
        return reply;
    }

    /// <summary>One BLOCK_STATUS chunk for the single context a session can select; extents already clipped and checked.</summary>
    public static NbdOutgoingReply BlockStatus(ulong cookie, uint contextId, IReadOnlyList<NbdExtent> extents, long admittedBytes)
    {
        var payload = 4 + (8 * extents.Count);
        var reply = new NbdOutgoingReply(NbdWire.StructuredReplyHeaderSize + payload, admittedBytes);
        var span = reply.Buffer.AsSpan();
        NbdReplyHeader.WriteStructured(span, NbdReplyFlags.Done, NbdReplyType.BlockStatus, cookie, (uint)payload);
        span = span[NbdWire.StructuredReplyHeaderSize..];
        BinaryPrimitives.WriteUInt32BigEndian(span, contextId);
        span = span[4..];
        foreach (var extent in extents)
        {
            BinaryPrimitives.WriteUInt32BigEndian(span, (uint)extent.Length);
            BinaryPrimitives.WriteUInt32BigEndian(span[4..], extent.Flags);
            span = span[8..];
        }

        return reply;
    }
}
