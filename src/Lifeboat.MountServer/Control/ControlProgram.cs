using System.Buffers;
using Lifeboat.OncRpc.Rpc;
using Lifeboat.OncRpc.Xdr;
using Lifeboat.Repository;
using Lifeboat.MountServer.Publishing;

namespace Lifeboat.MountServer.Control;

/// <summary>Serves <see cref="ControlProc"/> for a <see cref="MountServerHost"/>; callers other than loopback are refused.</summary>
public sealed class ControlProgram(Func<MountServerHost> host) : IRpcProgram
{
    public uint Program => ControlConstants.Program;

    public uint LowVersion => ControlConstants.Version;

    public uint HighVersion => ControlConstants.Version;

    public async ValueTask<RpcAcceptStatus> DispatchAsync(RpcCall call, IBufferWriter<byte> results, CancellationToken cancellationToken)
    {
        if (!System.Net.IPAddress.IsLoopback(call.RemoteEndPoint.Address))
            throw new RpcAuthException(AuthStat.TooWeak);
        switch ((ControlProc)call.Procedure)
        {
            case ControlProc.Null:
                return RpcAcceptStatus.Success;
            case ControlProc.Publish:
                var (vm, restorePointId, redirect) = ReadPublishArguments(call.Arguments.Span);
                await RunAsync(results, async body =>
                {
                    var p = await host().PublishAsync(vm, restorePointId.Length == 0 ? null : restorePointId, redirect.Length == 0 ? null : redirect, cancellationToken: cancellationToken);
                    ControlCodec.WritePublication(body, p);
                });
                return RpcAcceptStatus.Success;
            case ControlProc.Unpublish:
                var name = ReadName(call.Arguments.Span);
                await RunAsync(results, async _ =>
                {
                    if (!await host().UnpublishAsync(name, cancellationToken))
                        throw new InvalidOperationException($"No publication is named '{name}'; `lifeboat publications` lists them.");
                });
                return RpcAcceptStatus.Success;
            case ControlProc.List:
                var list = host().Publications;
                var writer = new XdrWriter(results);
                writer.WriteUInt32(ControlCodec.Ok);
                writer.WriteUInt32((uint)list.Count);
                foreach (var p in list)
                    ControlCodec.WritePublication(writer, p);
                return RpcAcceptStatus.Success;
            default:
                return RpcAcceptStatus.ProcUnavail;
        }
    }

    // The status word goes first, so the body is written only once the operation has succeeded.
    private static async Task RunAsync(IBufferWriter<byte> results, Func<XdrWriter, Task> operation)
    {
        var writer = new XdrWriter(results);
        var body = new ArrayBufferWriter<byte>();
        try
        {
            await operation(new XdrWriter(body));
        }
        catch (Exception e) when (e is RepositoryException or IOException or InvalidOperationException or ArgumentException)
        {
            writer.WriteUInt32(ControlCodec.Failed);
            writer.WriteString(e.Message.Length > ControlConstants.MaxMessageLength ? e.Message[..ControlConstants.MaxMessageLength] : e.Message);
            return;
        }
        writer.WriteUInt32(ControlCodec.Ok);
        results.Write(body.WrittenSpan);
    }

    private static (string Vm, string RestorePointId, string Redirect) ReadPublishArguments(ReadOnlySpan<byte> arguments)
    {
        var reader = new XdrReader(arguments);
        return (reader.ReadString(ControlConstants.MaxNameLength), reader.ReadString(ControlConstants.MaxNameLength),
            reader.ReadString(ControlConstants.MaxPathLength));
    }

    private static string ReadName(ReadOnlySpan<byte> arguments)
    {
        var reader = new XdrReader(arguments);
        return reader.ReadString(ControlConstants.MaxNameLength);
    }
}
