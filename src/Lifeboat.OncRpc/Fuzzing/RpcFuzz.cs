using System.Buffers;
using System.Net;
using Lifeboat.OncRpc.Client;
using Lifeboat.OncRpc.Portmap;
using Lifeboat.OncRpc.RecordMarking;
using Lifeboat.OncRpc.Rpc;
using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.OncRpc.Fuzzing;

/// <summary>
/// A fuzz target (for SharpFuzz or a random-input test): runs bytes through what a server does with a received
/// stream - record marking, call header parsing, portmap dispatch, reply encoding - and the client's reply
/// parsing. Malformed input may only raise <see cref="XdrException"/>, which it absorbs where a server would; any
/// exception that leaves Run is a bug.
/// </summary>
public static class RpcFuzz
{
    private static readonly IPEndPoint Loopback = new(IPAddress.Loopback, 700);

    public static void Run(ReadOnlySpan<byte> data)
    {
        var portmap = new PortmapProgram();
        var framing = new RecordMarkingReader(maxRecordSize: 64 * 1024, maxFragmentsPerRecord: 64);
        var buffer = SplitInTwo(data);
        var results = new ArrayBufferWriter<byte>();
        while (framing.TryReadRecord(ref buffer, out var record) == RecordMarkingStatus.Complete)
        {
            var message = record.ToArray();
            results.Clear();
            var writer = new XdrWriter(results);
            var status = RpcCallHeader.TryParse(message, out var header, out var xid, out var authError);
            switch (status)
            {
                case RpcCallHeaderStatus.RpcVersionMismatch:
                    RpcMessageEncoder.WriteRpcMismatchReply(writer, xid);
                    break;
                case RpcCallHeaderStatus.AuthError:
                    RpcMessageEncoder.WriteAuthErrorReply(writer, xid, authError);
                    break;
                case RpcCallHeaderStatus.Ok:
                    var call = new RpcCall(xid, header.Program, header.Version, header.Procedure, header.Credentials, message.AsMemory(header.ArgumentsOffset), Loopback, 1);
                    try
                    {
                        var dispatch = portmap.DispatchAsync(call, results, CancellationToken.None);
                        if (!dispatch.IsCompleted)
                        {
                            throw new InvalidOperationException("Portmap dispatch is expected to complete synchronously.");
                        }

                        RpcMessageEncoder.WriteAcceptedReply(writer, xid, dispatch.Result);
                    }
                    catch (XdrException)
                    {
                        RpcMessageEncoder.WriteAcceptedReply(writer, xid, RpcAcceptStatus.GarbageArgs);
                    }

                    break;
            }

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
