using System.Buffers;
using Lifeboat.OncRpc.Rpc;
using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.OncRpc.Tests;

/// <summary>A program exercising every way a dispatch can end, for the server tests.</summary>
internal sealed class TestProgram : IRpcProgram
{
    public const uint Number = 0x2000_0001;
    public const uint Null = 0;
    public const uint Echo = 1;
    public const uint GatedEcho = 2;
    public const uint Throw = 3;
    public const uint RejectAuth = 4;
    public const uint WriteThenGarbage = 5;
    public const uint WhoAmI = 6;
    public const uint Length = 7;
    public const uint WaitForCancellation = 8;
    public const uint Fill = 9;
    public const uint Rendezvous = 10;
    public const uint WhichThread = 11;

    private int _active;
    private int _maxActive;

    public uint Program => Number;

    public uint LowVersion => 1;

    public uint HighVersion => 2;

    /// <summary>GatedEcho calls wait for a release of this semaphore.</summary>
    public SemaphoreSlim Gate { get; } = new(0);

    /// <summary>Two <see cref="Rendezvous"/> calls block their threads here until both arrived.</summary>
    public Barrier RendezvousBarrier { get; } = new(2);

    public int Active => Volatile.Read(ref _active);

    public int MaxActive => Volatile.Read(ref _maxActive);

    public TaskCompletionSource<bool> WaitingForCancellation { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource<bool> CancellationSeen { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async ValueTask<RpcAcceptStatus> DispatchAsync(RpcCall call, IBufferWriter<byte> results, CancellationToken cancellationToken)
    {
        var writer = new XdrWriter(results);
        switch (call.Procedure)
        {
            case Null:
                return RpcAcceptStatus.Success;
            case Echo:
                writer.WriteOpaque(ReadOpaque(call.Arguments, 1024).Span);
                return RpcAcceptStatus.Success;
            case GatedEcho:
            {
                var data = ReadOpaque(call.Arguments, 1024).ToArray();
                var active = Interlocked.Increment(ref _active);
                InterlockedMax(ref _maxActive, active);
                try
                {
                    await Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    Interlocked.Decrement(ref _active);
                }

                writer.WriteOpaque(data);
                return RpcAcceptStatus.Success;
            }

            case Throw:
                throw new InvalidOperationException("The test program fails on purpose.");
            case RejectAuth:
                throw new RpcAuthException(AuthStat.TooWeak);
            case WriteThenGarbage:
                writer.WriteUInt32(0xDEADBEEF);
                return RpcAcceptStatus.GarbageArgs;
            case WhoAmI:
                writer.WriteUInt32(call.Credentials.Sys?.Uid ?? uint.MaxValue);
                writer.WriteUInt32((uint)(call.Credentials.Sys?.Gids.Count ?? 0));
                writer.WriteString(call.Credentials.Sys?.MachineName ?? string.Empty);
                return RpcAcceptStatus.Success;
            case Length:
            {
                var data = ReadOpaque(call.Arguments, 4 * 1024 * 1024);
                writer.WriteUInt32((uint)data.Length);
                writer.WriteFixedOpaque(System.Security.Cryptography.SHA256.HashData(data.Span));
                return RpcAcceptStatus.Success;
            }

            case WaitForCancellation:
                WaitingForCancellation.TrySetResult(true);
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    CancellationSeen.TrySetResult(true);
                    throw;
                }

                return RpcAcceptStatus.Success;
            case Fill:
            {
                // Reserve more than is filled, as an NFS READ that hits end of file does.
                var count = (int)Math.Min(new XdrReader(call.Arguments.Span).ReadUInt32(), 4u * 1024 * 1024);
                var span = writer.GetOpaqueSpan(count + 1000);
                for (var i = 0; i < count; i++)
                {
                    span[i] = (byte)(i % 251);
                }

                writer.CommitOpaque(count);
                writer.WriteUInt32(0xC0FFEE);
                return RpcAcceptStatus.Success;
            }

            case Rendezvous:
                // Synchronous on purpose: only a server running two such calls on two threads lets them meet.
                writer.WriteUInt32(RendezvousBarrier.SignalAndWait(TimeSpan.FromSeconds(10), cancellationToken) ? 1u : 0u);
                return RpcAcceptStatus.Success;
            case WhichThread:
                writer.WriteUInt32(Lifeboat.Transport.ReadLoop.IsCurrentThread ? 1u : 0u);
                writer.WriteUInt32(Thread.CurrentThread.IsThreadPoolThread ? 1u : 0u);
                writer.WriteUInt32((uint)Environment.CurrentManagedThreadId);
                return RpcAcceptStatus.Success;
            default:
                return RpcAcceptStatus.ProcUnavail;
        }
    }

    private static ReadOnlyMemory<byte> ReadOpaque(ReadOnlyMemory<byte> arguments, int max)
    {
        var reader = new XdrReader(arguments.Span);
        return arguments[reader.ReadOpaqueRange(max)];
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}
