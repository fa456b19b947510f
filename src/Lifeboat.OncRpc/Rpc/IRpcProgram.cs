using System.Buffers;

namespace Lifeboat.OncRpc.Rpc;

/// <summary>
/// One ONC RPC program (e.g. portmap, MOUNT, NFS) served by <c>RpcServer</c> (TCP) or <c>RpcDatagramServer</c> (UDP) for the versions
/// <see cref="LowVersion"/>..<see cref="HighVersion"/>. The server answers PROG_UNAVAIL and PROG_MISMATCH itself.
/// </summary>
/// <remarks>
/// DispatchAsync runs on the connection's read loop and may be called concurrently for calls of the same
/// connection once it goes asynchronous: finish quickly or go asynchronous (await real I/O, or Task.Yield before
/// CPU-heavy work) so later calls on the connection are not held up.
/// To reject the caller's credentials, throw <see cref="RpcAuthException"/>: the server replies MSG_DENIED AUTH_ERROR
/// with its <see cref="AuthStat"/>. An <see cref="Xdr.XdrException"/> thrown while decoding the arguments becomes
/// GARBAGE_ARGS; any other exception becomes SYSTEM_ERR and is logged. Whatever was written to the results
/// before a non-Success status or an exception is discarded.
/// </remarks>
public interface IRpcProgram
{
    uint Program { get; }

    uint LowVersion { get; }

    uint HighVersion { get; }

    /// <summary>
    /// Decodes <see cref="RpcCall.Arguments"/>, writes the XDR results into <paramref name="results"/> and returns
    /// <see cref="RpcAcceptStatus.Success"/>; or returns ProcUnavail / GarbageArgs / SystemErr.
    /// The call's <see cref="RpcCall.Arguments"/> and <paramref name="results"/> are valid only until the returned
    /// task completes.
    /// </summary>
    ValueTask<RpcAcceptStatus> DispatchAsync(RpcCall call, IBufferWriter<byte> results, CancellationToken cancellationToken);

    /// <summary>Where the server counts and times this program's replies by procedure; null measures nothing.</summary>
    RpcCallMetrics? Metrics => null;
}
