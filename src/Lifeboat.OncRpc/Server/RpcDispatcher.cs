using System.Buffers;
using System.Collections.Frozen;
using Lifeboat.OncRpc.Peers;
using Lifeboat.OncRpc.Rpc;
using Lifeboat.OncRpc.Transport;
using Microsoft.Extensions.Logging;

namespace Lifeboat.OncRpc.Server;

/// <summary>
/// The one path from a received message to its sealed reply, for TCP, UDP and in-memory connections alike:
/// admission (<see cref="RpcCallAdmission"/>), the program's procedure, and <see cref="RpcReplies.Complete"/>.
/// </summary>
internal sealed class RpcDispatcher(FrozenDictionary<uint, IRpcProgram> programs, ILogger logger)
{
    /// <summary>Serves <paramref name="programs"/>, checked by <see cref="RpcProgramTable.Build"/> (one per number, versions in order).</summary>
    public RpcDispatcher(IEnumerable<IRpcProgram> programs, ILogger logger)
        : this(RpcProgramTable.Build(programs), logger)
    {
    }

    public FrozenDictionary<uint, IRpcProgram> Programs => programs;

    /// <summary>"100000 v2-2, 100005 v3-3", for a server's listening log line.</summary>
    public string Describe() => RpcProgramTable.Describe(programs);

    /// <summary>
    /// Admits a message held in a pooled array (the call owns it from now on: it goes back to the pool when the call
    /// completes, or here when the call is refused). False with a refusal to send, or with none when the message is
    /// not a readable call at all.
    /// </summary>
    public bool TryAdmit(byte[] message, int length, RpcPeer peer, long connectionId, out PendingCall call, out RecordBuffer? refusal)
    {
        if (!RpcCallAdmission.TryAdmit(message.AsSpan(0, length), programs, peer, logger, out var header, out var program, out refusal))
        {
            ArrayPool<byte>.Shared.Return(message);
            call = default;
            if (refusal is not null)
            {
                refusal.AdmittedBytes = length;
            }

            return false;
        }

        var rpcCall = new RpcCall(
            header.Xid,
            header.Program,
            header.Version,
            header.Procedure,
            header.Credentials,
            message.AsMemory(header.ArgumentsOffset, length - header.ArgumentsOffset),
            peer,
            connectionId);
        var reply = new RecordBuffer(RpcMessageEncoder.AcceptedReplyHeaderSize) { AdmittedBytes = length };
        call = new PendingCall(rpcCall, program, reply, message);
        return true;
    }

    /// <summary>Runs the procedure; the reply is sealed at once when the procedure completed synchronously, else when it completes.</summary>
    public ValueTask<RecordBuffer> RunAsync(PendingCall pending, CancellationToken cancellationToken)
    {
        ValueTask<RpcAcceptStatus> dispatch;
        try
        {
            dispatch = pending.Program.DispatchAsync(pending.Call, pending.Reply, cancellationToken);
        }
        catch (Exception ex)
        {
            dispatch = ValueTask.FromException<RpcAcceptStatus>(ex);
        }

        if (!dispatch.IsCompleted)
        {
            return new ValueTask<RecordBuffer>(CompleteLaterAsync(pending, dispatch, cancellationToken));
        }

        RpcAcceptStatus status = default;
        Exception? error = null;
        try
        {
            status = dispatch.Result;
        }
        catch (Exception ex)
        {
            error = ex;
        }

        return new ValueTask<RecordBuffer>(Complete(pending, status, error, cancellationToken));
    }

    private async Task<RecordBuffer> CompleteLaterAsync(PendingCall pending, ValueTask<RpcAcceptStatus> dispatch, CancellationToken cancellationToken)
    {
        RpcAcceptStatus status = default;
        Exception? error = null;
        try
        {
            status = await dispatch.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            error = ex;
        }

        return Complete(pending, status, error, cancellationToken);
    }

    private RecordBuffer Complete(PendingCall pending, RpcAcceptStatus status, Exception? error, CancellationToken cancellationToken)
    {
        ArrayPool<byte>.Shared.Return(pending.Message);
        return RpcReplies.Complete(pending.Call, pending.Program, pending.Reply, status, error, logger, cancellationToken.IsCancellationRequested);
    }
}

/// <summary>An admitted call: its program, the reply being built, and the pooled message its arguments point into.</summary>
internal readonly record struct PendingCall(RpcCall Call, IRpcProgram Program, RecordBuffer Reply, byte[] Message);
