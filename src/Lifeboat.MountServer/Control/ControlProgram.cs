using System.Buffers;
using Lifeboat.OncRpc.Peers;
using Lifeboat.OncRpc.Rpc;
using Lifeboat.OncRpc.Xdr;
using Lifeboat.Repository;
using Lifeboat.MountServer.Publishing;
using Microsoft.Extensions.Logging;

namespace Lifeboat.MountServer.Control;

/// <summary>
/// Serves <see cref="ControlProc"/> for a <see cref="MountServerHost"/> on its unix control socket. Every call but NULL
/// is checked against the caller's credentials (uid 0, or group lifeboat among the process's groups) and refused with
/// AUTH_TOOWEAK otherwise; every publish and unpublish is logged with the caller's uid and pid and handed to the
/// audit sink, refused ones included.
/// </summary>
public sealed class ControlProgram(MountServerHost host, ControlSettings settings, ILogger logger) : IRpcProgram
{
    private const string Publish = "publish";
    private const string Unpublish = "unpublish";

    public uint Program => ControlConstants.Program;

    public uint LowVersion => ControlConstants.FirstVersion;

    public uint HighVersion => ControlConstants.Version;

    public async ValueTask<RpcAcceptStatus> DispatchAsync(RpcCall call, IBufferWriter<byte> results, CancellationToken cancellationToken)
    {
        var procedure = (ControlProc)call.Procedure;
        if (procedure == ControlProc.Null)
            return RpcAcceptStatus.Success;
        var caller = Authorize(call, procedure);
        switch (procedure)
        {
            case ControlProc.Publish:
                var (vm, restorePointId, redirect, readOnly, clients) = ReadPublishArguments(call.Arguments.Span, call.Version);
                await RunAsync(results, Publish, vm, caller, async body =>
                {
                    var p = await host.PublishAsync(
                        vm, restorePointId.Length == 0 ? null : restorePointId, redirect.Length == 0 ? null : redirect, readOnly: readOnly,
                        clients: clients.Length == 0 ? null : clients, cancellationToken: cancellationToken);
                    ControlCodec.WritePublication(body, p, call.Version);
                    var outcome = p.ReadOnly ? $"ok: published read-only as {p.Name}" : $"ok: published as {p.Name}, writes to {p.CacheFolder}";
                    return p.Clients is null ? outcome : $"{outcome}, only for {string.Join(", ", p.Clients)} at {p.ServedAt}";
                });
                return RpcAcceptStatus.Success;
            case ControlProc.Unpublish:
                var name = ReadName(call.Arguments.Span);
                await RunAsync(results, Unpublish, name, caller, async _ =>
                {
                    if (settings.OwnerOf?.Invoke(name) is { } owner)
                        throw new InvalidOperationException($"Publication '{name}' belongs to {owner}; stop the session instead, which unpublishes it.");
                    if (!await host.UnpublishAsync(name, cancellationToken))
                        throw new InvalidOperationException($"No publication is named '{name}'; the list of publications names them.");
                    return "ok: unpublished, write cache deleted";
                });
                return RpcAcceptStatus.Success;
            case ControlProc.List:
                var list = host.Publications;
                var writer = new XdrWriter(results);
                writer.WriteUInt32(ControlCodec.Ok);
                writer.WriteUInt32((uint)list.Count);
                foreach (var p in list)
                    ControlCodec.WritePublication(writer, p, call.Version);
                return RpcAcceptStatus.Success;
            default:
                return RpcAcceptStatus.ProcUnavail;
        }
    }

    /// <summary>The caller's credentials when it may control the mount server; otherwise logs, audits and throws AUTH_TOOWEAK.</summary>
    private PeerCredentials Authorize(RpcCall call, ControlProc procedure)
    {
        if (call.Peer.Credentials is { } caller && (caller.Uid == 0 || settings.Group.IncludesProcess(caller.Pid)))
            return caller;
        ControlLog.Refused(logger, procedure, call.Peer.ToString());
        if (call.Peer.Credentials is { } refused && procedure is ControlProc.Publish or ControlProc.Unpublish)
        {
            var target = procedure == ControlProc.Publish ? ReadPublishArguments(call.Arguments.Span, call.Version).Vm : ReadName(call.Arguments.Span);
            Record(procedure == ControlProc.Publish ? Publish : Unpublish, target, refused, "refused: not root and not in group lifeboat");
        }

        throw new RpcAuthException(AuthStat.TooWeak);
    }

    // The status word goes first, so the body is written only once the operation has succeeded.
    private async Task RunAsync(IBufferWriter<byte> results, string action, string target, PeerCredentials caller, Func<XdrWriter, Task<string>> operation)
    {
        var writer = new XdrWriter(results);
        var body = new ArrayBufferWriter<byte>();
        string outcome;
        try
        {
            outcome = await operation(new XdrWriter(body));
        }
        catch (Exception e) when (e is RepositoryException or IOException or InvalidOperationException or ArgumentException)
        {
            Record(action, target, caller, "failed: " + e.Message);
            writer.WriteUInt32(ControlCodec.Failed);
            writer.WriteString(e.Message.Length > ControlConstants.MaxMessageLength ? e.Message[..ControlConstants.MaxMessageLength] : e.Message);
            return;
        }

        Record(action, target, caller, outcome);
        writer.WriteUInt32(ControlCodec.Ok);
        results.Write(body.WrittenSpan);
    }

    private void Record(string action, string target, PeerCredentials caller, string outcome)
    {
        ControlLog.Changed(logger, action, target, caller.Uid, caller.Pid, outcome);
        settings.Audit?.Invoke(new ControlAuditEntry(action, target, caller, outcome));
    }

    private static (string Vm, string RestorePointId, string Redirect, bool ReadOnly, System.Net.IPAddress[] Clients) ReadPublishArguments(ReadOnlySpan<byte> arguments, uint version)
    {
        var reader = new XdrReader(arguments);
        var vm = reader.ReadString(ControlConstants.MaxNameLength);
        var restorePointId = reader.ReadString(ControlConstants.MaxNameLength);
        var redirect = reader.ReadString(ControlConstants.MaxPathLength);
        var readOnly = version >= ControlConstants.ReadOnlyVersion && reader.ReadBool();
        return (vm, restorePointId, redirect, readOnly, version >= ControlConstants.NarrowedVersion ? ControlCodec.ReadAddresses(ref reader) : []);
    }

    private static string ReadName(ReadOnlySpan<byte> arguments)
    {
        var reader = new XdrReader(arguments);
        return reader.ReadString(ControlConstants.MaxNameLength);
    }
}
