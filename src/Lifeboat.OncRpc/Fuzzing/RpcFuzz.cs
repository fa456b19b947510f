using System.Buffers;
using System.Collections.Frozen;
using System.Net;
using Lifeboat.OncRpc.Client;
using Lifeboat.OncRpc.Portmap;
using Lifeboat.OncRpc.RecordMarking;
using Lifeboat.OncRpc.Rpc;
using Lifeboat.OncRpc.Server;
using Lifeboat.OncRpc.Transport;
using Lifeboat.OncRpc.Xdr;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lifeboat.OncRpc.Fuzzing;

/// <summary>
/// Fuzz targets (for SharpFuzz or a random-input test) running bytes through what the servers do with them: record
/// marking (TCP), call admission, portmap dispatch and reply encoding, as <see cref="Server.RpcServer"/> and
/// <see cref="Server.RpcDatagramServer"/> do, and the client's reply parsing. Malformed input may only raise
/// <see cref="XdrException"/> inside a procedure, which becomes GARBAGE_ARGS as in the servers; any exception that
/// leaves a target is a bug.
/// </summary>
public static class RpcFuzz
{
    private static readonly Peers.RpcPeer Loopback = Peers.RpcPeer.Datagram(new IPEndPoint(IPAddress.Loopback, 700));

    /// <summary>A TCP byte stream: every whole record in it is answered, and also read as if it were a reply.</summary>
    public static void Run(ReadOnlySpan<byte> data)
    {
        var programs = RpcProgramTable.Build([new PortmapProgram()]);
        var framing = new RecordMarkingReader(maxRecordSize: 64 * 1024, maxFragmentsPerRecord: 64);
        var buffer = SplitInTwo(data);
        while (framing.TryReadRecord(ref buffer, out var record) == RecordMarkingStatus.Complete)
        {
            var message = record.ToArray();
            Answer(message, programs);
            try
            {
                RpcReply.Parse(message);
            }
            catch (XdrException)
            {
                // Most records are calls, not replies: keep going with the next record.
            }
        }
    }

    /// <summary>One UDP datagram, answered as <see cref="Server.RpcDatagramServer"/> answers it.</summary>
    public static void RunDatagram(ReadOnlySpan<byte> datagram) =>
        Answer(datagram.ToArray(), RpcProgramTable.Build([new PortmapProgram()]));

    /// <summary>Admits and dispatches one call; the reply, when there is one, must be a reply our client can read.</summary>
    private static void Answer(byte[] message, FrozenDictionary<uint, IRpcProgram> programs)
    {
        if (!RpcCallAdmission.TryAdmit(message, programs, Loopback, NullLogger.Instance, out var header, out var program, out var refusal))
        {
            if (refusal is not null)
            {
                CheckReply(refusal);
            }

            return;
        }

        var call = new RpcCall(header.Xid, header.Program, header.Version, header.Procedure, header.Credentials, message.AsMemory(header.ArgumentsOffset), Loopback, 1);
        var results = new RecordBuffer(RpcMessageEncoder.AcceptedReplyHeaderSize);
        RpcAcceptStatus status = default;
        XdrException? garbage = null;
        try
        {
            var dispatch = program.DispatchAsync(call, results, CancellationToken.None);
            if (!dispatch.IsCompleted)
            {
                throw new InvalidOperationException("Portmap dispatch is expected to complete synchronously.");
            }

            status = dispatch.Result;
        }
        catch (XdrException ex)
        {
            garbage = ex;
        }

        CheckReply(RpcReplies.Complete(call, program, results, status, garbage, NullLogger.Instance, aborted: false));
    }

    private static void CheckReply(RecordBuffer reply)
    {
        using (reply)
        {
            // An XdrException here is a bug: the server wrote a reply no client can read.
            RpcReply.Parse(reply.Message.ToArray());
        }
    }

    /// <summary>Presents the input as two buffer segments so the multi-segment paths of record marking run too.</summary>
    private static ReadOnlySequence<byte> SplitInTwo(ReadOnlySpan<byte> data)
    {
        if (data.Length < 2)
        {
            return new ReadOnlySequence<byte>(data.ToArray());
        }

        var split = 1 + (data[0] % (data.Length - 1));
        var first = new Segment(data[..split].ToArray(), 0);
        var second = first.Append(data[split..].ToArray());
        return new ReadOnlySequence<byte>(first, 0, second, second.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
