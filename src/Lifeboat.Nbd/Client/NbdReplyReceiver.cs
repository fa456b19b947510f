using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Text;
using Lifeboat.Nbd.Protocol;

namespace Lifeboat.Nbd.Client;

/// <summary>
/// Turns the server's reply stream into completed requests. Data (a simple READ reply, an OFFSET_DATA chunk)
/// streams straight into the caller's buffer as it arrives, so a 32 MiB read is never held whole in the receive
/// buffer; every other chunk is capped by its type before it is waited for. Anything the protocol forbids
/// throws <see cref="NbdProtocolViolation"/>, which ends the connection.
/// </summary>
internal sealed class NbdReplyReceiver
{
    private readonly ConcurrentDictionary<ulong, NbdPendingRequest> _pending;
    private readonly bool _structured;
    private readonly Action<ulong, NbdPendingRequest> _finish;
    private NbdPendingRequest? _current;
    private ulong _currentCookie;
    private long _dataRemaining;
    private int _dataPosition;
    private bool _finishAfterData;

    public NbdReplyReceiver(ConcurrentDictionary<ulong, NbdPendingRequest> pending, bool structured, Action<ulong, NbdPendingRequest> finish)
    {
        _pending = pending;
        _structured = structured;
        _finish = finish;
    }

    /// <summary>True between a reply's header and the end of its payload.</summary>
    public bool InsideReply => _dataRemaining > 0;

    /// <summary>Consumes every whole reply (and any data that has arrived) from the front of <paramref name="buffer"/>.</summary>
    public void Process(ref ReadOnlySequence<byte> buffer)
    {
        while (true)
        {
            if (_dataRemaining > 0)
            {
                var count = (int)Math.Min(_dataRemaining, buffer.Length);
                if (count == 0)
                {
                    return;
                }

                _current!.CopyIn(buffer.Slice(0, count), _dataPosition);
                buffer = buffer.Slice(count);
                _dataPosition += count;
                _dataRemaining -= count;
                if (_dataRemaining > 0)
                {
                    return;
                }

                if (_finishAfterData)
                {
                    _finish(_currentCookie, _current);
                }

                _current = null;
                continue;
            }

            var reader = new SequenceReader<byte>(buffer);
            var status = NbdReplyHeader.TryRead(ref reader, out var header);
            if (status == NbdParseStatus.NeedMoreData)
            {
                return;
            }

            if (status == NbdParseStatus.Malformed)
            {
                throw new NbdProtocolViolation("a reply has neither the simple nor the structured reply magic");
            }

            if (!_pending.TryGetValue(header.Cookie, out var request))
            {
                throw new NbdProtocolViolation($"a reply names cookie {header.Cookie}, which no request in flight has");
            }

            if (!header.IsStructured)
            {
                buffer = buffer.Slice(reader.Position);
                OnSimpleReply(header, request);
                continue;
            }

            if (!_structured)
            {
                throw new NbdProtocolViolation("the server sent a structured reply, which was not negotiated");
            }

            if (!TryProcessChunk(header, request, ref reader))
            {
                return;
            }

            buffer = buffer.Slice(reader.Position);
        }
    }

    private void OnSimpleReply(in NbdReplyHeader header, NbdPendingRequest request)
    {
        if (header.Error != NbdError.None)
        {
            request.SetError(header.Error, null);
            _finish(header.Cookie, request);
        }
        else if (request.Command == NbdCommand.Read)
        {
            request.Received = request.Length;
            StartData(header.Cookie, request, 0, request.Length, finishAfter: true);
        }
        else if (request.Command == NbdCommand.BlockStatus)
        {
            throw new NbdProtocolViolation("a block status request got a simple reply without extents");
        }
        else
        {
            _finish(header.Cookie, request);
        }
    }

    /// <summary>False when the chunk is not all there yet; the reader's position is then meaningless.</summary>
    private bool TryProcessChunk(in NbdReplyHeader header, NbdPendingRequest request, ref SequenceReader<byte> reader)
    {
        var done = (header.Flags & NbdReplyFlags.Done) != 0;
        if (header.Type == NbdReplyType.OffsetData)
        {
            if (request.Command != NbdCommand.Read || header.Length < 9)
            {
                throw new NbdProtocolViolation($"an OFFSET_DATA chunk of {header.Length} bytes answers a {request.Command} request");
            }

            if (!reader.TryReadBigEndian(out long offset))
            {
                return false;
            }

            var length = header.Length - 8;
            var position = CheckRange(request, offset, length);
            request.Received += length;
            StartData(header.Cookie, request, position, length, done);
            return true;
        }

        if (header.Length > MaxChunkLength(header.Type))
        {
            throw new NbdProtocolViolation($"a {header.Type} chunk of {header.Length} bytes exceeds what that type may hold");
        }

        if (reader.Remaining < header.Length)
        {
            return false;
        }

        var payload = reader.UnreadSequence.Slice(0, header.Length);
        reader.Advance(header.Length);
        switch (header.Type)
        {
            case NbdReplyType.None when header.Length == 0 && done:
                break;
            case NbdReplyType.OffsetHole when header.Length == 12 && request.Command == NbdCommand.Read:
                OnHole(request, payload);
                break;
            case NbdReplyType.BlockStatus when request.Command == NbdCommand.BlockStatus && header.Length >= 12 && (header.Length - 4) % 8 == 0:
                OnBlockStatus(request, payload);
                break;
            case var type when ((ushort)type & 0x8000) != 0 && header.Length >= 6:
                OnError(header.Type, request, payload);
                break;
            default:
                throw new NbdProtocolViolation($"a chunk of type {(ushort)header.Type} and {header.Length} bytes does not fit a {request.Command} request");
        }

        if (done)
        {
            _finish(header.Cookie, request);
        }

        return true;
    }

    private static uint MaxChunkLength(NbdReplyType type) => type switch
    {
        NbdReplyType.None => 0,
        NbdReplyType.OffsetHole => 12,
        NbdReplyType.BlockStatus => 4 + (8u * NbdLimits.MaxExtentsPerChunk),
        _ => NbdLimits.MaxErrorChunkLength,
    };

    private void StartData(ulong cookie, NbdPendingRequest request, int position, long length, bool finishAfter)
    {
        _current = request;
        _currentCookie = cookie;
        _dataPosition = position;
        _dataRemaining = length;
        _finishAfterData = finishAfter;
        if (length == 0 && finishAfter)
        {
            _finish(cookie, request);
            _current = null;
        }
    }

    private static int CheckRange(NbdPendingRequest request, long offset, long length)
    {
        var position = offset - request.Offset;
        if (offset < request.Offset || position + length > request.Length)
        {
            throw new NbdProtocolViolation($"a chunk for [{offset}, +{length}) lies outside its request [{request.Offset}, +{request.Length})");
        }

        // Chunks may not overlap, so together they can never cover more than the request.
        if (request.Received + length > request.Length)
        {
            throw new NbdProtocolViolation($"the chunks of a read of {request.Length} bytes cover more than that");
        }

        return (int)position;
    }

    private static void OnHole(NbdPendingRequest request, ReadOnlySequence<byte> payload)
    {
        Span<byte> bytes = stackalloc byte[12];
        payload.CopyTo(bytes);
        var offset = BinaryPrimitives.ReadInt64BigEndian(bytes);
        var length = BinaryPrimitives.ReadUInt32BigEndian(bytes[8..]);
        if (length == 0)
        {
            throw new NbdProtocolViolation("an OFFSET_HOLE chunk has a hole of 0 bytes");
        }

        var position = CheckRange(request, offset, length);
        request.Received += length;
        request.ZeroFill(position, (int)length);
    }

    private static void OnBlockStatus(NbdPendingRequest request, ReadOnlySequence<byte> payload)
    {
        var reader = new SequenceReader<byte>(payload);
        reader.TryReadBigEndian(out int contextId);
        if ((uint)contextId != request.ContextId)
        {
            return;
        }

        var extents = request.Extents ??= [];
        var offset = request.Offset;
        while (reader.TryReadBigEndian(out int length) && reader.TryReadBigEndian(out int flags))
        {
            if (length == 0)
            {
                throw new NbdProtocolViolation("a block status chunk has an extent of 0 bytes");
            }

            if (extents.Count >= NbdLimits.MaxExtentsPerChunk)
            {
                throw new NbdProtocolViolation($"a block status reply holds more than {NbdLimits.MaxExtentsPerChunk} extents");
            }

            extents.Add(new NbdExtent(offset, (uint)length, (uint)flags));
            offset += (uint)length;
        }
    }

    private static void OnError(NbdReplyType type, NbdPendingRequest request, ReadOnlySequence<byte> payload)
    {
        var reader = new SequenceReader<byte>(payload);
        reader.TryReadBigEndian(out int error);
        reader.TryReadBigEndian(out short messageLength);
        if ((ushort)messageLength > reader.Remaining)
        {
            throw new NbdProtocolViolation("an error chunk's message is longer than the chunk");
        }

        var message = Encoding.UTF8.GetString(payload.Slice(6, (ushort)messageLength));
        if (type == NbdReplyType.ErrorOffset && reader.Remaining - (ushort)messageLength >= 8)
        {
            reader.Advance((ushort)messageLength);
            reader.TryReadBigEndian(out long offset);
            message = $"{message} (at offset {offset})";
        }

        request.SetError((NbdError)(uint)error, message);
    }
}
