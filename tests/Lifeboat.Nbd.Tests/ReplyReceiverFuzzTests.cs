using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using Lifeboat.Nbd.Client;
using Lifeboat.Nbd.Protocol;

namespace Lifeboat.Nbd.Tests;

/// <summary>
/// Mutated reply streams, split at random points, through the client's reply parser: it either completes
/// requests or reports a protocol violation, and never fails any other way (an index out of range, an overflow).
/// </summary>
public sealed class ReplyReceiverFuzzTests
{
    [Fact]
    public void Mutated_reply_streams_end_in_results_or_protocol_violations()
    {
        var valid = ValidReplies();
        var violations = 0;
        for (var input = 0; input < 5000; input++)
        {
            var random = new Random(input);
            var bytes = Mutate(valid, random);
            var pending = new ConcurrentDictionary<ulong, NbdPendingRequest>();
            pending[1] = new NbdPendingRequest(NbdCommand.Read, 4096, 8192, new byte[8192], 0);
            pending[2] = new NbdPendingRequest(NbdCommand.BlockStatus, 0, 1 << 20, default, 1);
            pending[3] = new NbdPendingRequest(NbdCommand.Write, 0, 512, default, 0);
            pending[4] = new NbdPendingRequest(NbdCommand.Read, 0, 512, new byte[512], 0);
            var receiver = new NbdReplyReceiver(pending, structured: input % 7 != 0, (cookie, _) => pending.TryRemove(cookie, out NbdPendingRequest? _));
            try
            {
                // Feed the stream the way a socket would: in pieces, keeping what the parser left unconsumed.
                var unconsumed = Array.Empty<byte>();
                var position = 0;
                while (position < bytes.Length)
                {
                    var count = Math.Min(random.Next(1, 200), bytes.Length - position);
                    var buffer = new ReadOnlySequence<byte>([.. unconsumed, .. bytes.AsSpan(position, count)]);
                    position += count;
                    receiver.Process(ref buffer);
                    unconsumed = buffer.ToArray();
                }
            }
            catch (NbdProtocolViolation)
            {
                violations++;
            }
        }

        Assert.InRange(violations, 500, 4999);
    }

    private static byte[] ValidReplies()
    {
        var s = new List<byte>();
        Chunk(s, NbdReplyFlags.None, NbdReplyType.OffsetData, 1, 8 + 4096);
        s.AddRange(UInt64(4096));
        s.AddRange(new byte[4096]);
        Chunk(s, NbdReplyFlags.None, NbdReplyType.OffsetHole, 1, 12);
        s.AddRange(UInt64(8192));
        s.AddRange(RawNbd.UInt32(4096));
        Chunk(s, NbdReplyFlags.Done, NbdReplyType.None, 1, 0);
        Chunk(s, NbdReplyFlags.Done, NbdReplyType.BlockStatus, 2, 4 + 16);
        s.AddRange(RawNbd.UInt32(1));
        s.AddRange([.. RawNbd.UInt32(65536), .. RawNbd.UInt32(3), .. RawNbd.UInt32(65536), .. RawNbd.UInt32(0)]);
        var simple = new byte[16];
        NbdReplyHeader.WriteSimple(simple, NbdError.None, 3);
        s.AddRange(simple);
        Chunk(s, NbdReplyFlags.Done, NbdReplyType.Error, 4, 6 + 3);
        s.AddRange([.. RawNbd.UInt32(5), .. RawNbd.UInt16(3), (byte)'b', (byte)'a', (byte)'d']);
        return [.. s];
    }

    private static byte[] Mutate(byte[] valid, Random random)
    {
        var bytes = valid.ToArray();
        for (var i = random.Next(1, 4); i > 0; i--)
        {
            var at = random.Next(bytes.Length - 4);
            if (random.Next(2) == 0)
            {
                bytes[at] ^= (byte)(1 << random.Next(8));
            }
            else
            {
                BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(at), random.Next(3) switch { 0 => uint.MaxValue, 1 => 0x8000_0000u, _ => (uint)random.Next() });
            }
        }

        return bytes;
    }

    private static void Chunk(List<byte> s, NbdReplyFlags flags, NbdReplyType type, ulong cookie, uint length)
    {
        var header = new byte[20];
        NbdReplyHeader.WriteStructured(header, flags, type, cookie, length);
        s.AddRange(header);
    }

    private static byte[] UInt64(ulong value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        return bytes;
    }
}
