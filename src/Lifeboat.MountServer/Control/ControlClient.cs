using System.Buffers;
using System.Net.Sockets;
using Lifeboat.OncRpc.Client;
using Lifeboat.OncRpc.Xdr;
using Lifeboat.MountServer.Publishing;

namespace Lifeboat.MountServer.Control;

/// <summary>Talks to a running mount server's control program over its unix socket (as root or a member of group lifeboat).</summary>
public sealed class ControlClient : IAsyncDisposable
{
    private readonly RpcClient _rpc;

    private ControlClient(RpcClient rpc) => _rpc = rpc;

    /// <exception cref="SocketException">No mount server listens at <paramref name="socketPath"/> (AddressNotAvailable or
    /// ConnectionRefused), or the caller may not connect to it (AccessDenied).</exception>
    public static async Task<ControlClient> ConnectAsync(string socketPath, CancellationToken cancellationToken = default) =>
        new(await RpcClient.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken: cancellationToken).ConfigureAwait(false));

    /// <param name="clients">Set: the only addresses the publication answers (narrowed); the mount server also listens where they reach it.</param>
    public async Task<PublicationInfo> PublishAsync(
        string vm, string? restorePointId, string? redirectWritesTo, bool readOnly = false, IReadOnlyList<System.Net.IPAddress>? clients = null, CancellationToken cancellationToken = default)
    {
        var arguments = new ArrayBufferWriter<byte>();
        var writer = new XdrWriter(arguments);
        writer.WriteString(vm);
        writer.WriteString(restorePointId ?? "");
        writer.WriteString(redirectWritesTo ?? "");
        writer.WriteBool(readOnly);
        ControlCodec.WriteAddresses(writer, clients ?? []);
        var results = await CallAsync(ControlProc.Publish, arguments.WrittenMemory, cancellationToken).ConfigureAwait(false);
        return Decode(results, static (ref XdrReader r) => ControlCodec.ReadPublication(ref r));
    }

    public async Task UnpublishAsync(string name, CancellationToken cancellationToken = default)
    {
        var arguments = new ArrayBufferWriter<byte>();
        new XdrWriter(arguments).WriteString(name);
        var results = await CallAsync(ControlProc.Unpublish, arguments.WrittenMemory, cancellationToken).ConfigureAwait(false);
        Decode(results, static (ref XdrReader _) => true);
    }

    public async Task<IReadOnlyList<PublicationInfo>> ListAsync(CancellationToken cancellationToken = default)
    {
        var results = await CallAsync(ControlProc.List, default, cancellationToken).ConfigureAwait(false);
        return Decode(results, static (ref XdrReader r) =>
        {
            var count = r.ReadUInt32();
            if (count > ControlConstants.MaxPublications)
                throw new XdrException($"The mount server listed {count} publications; at most {ControlConstants.MaxPublications} are expected.");
            var list = new PublicationInfo[count];
            for (var i = 0; i < list.Length; i++)
                list[i] = ControlCodec.ReadPublication(ref r);
            return list;
        });
    }

    public ValueTask DisposeAsync() => _rpc.DisposeAsync();

    private async Task<ReadOnlyMemory<byte>> CallAsync(ControlProc procedure, ReadOnlyMemory<byte> arguments, CancellationToken cancellationToken)
    {
        var reply = await _rpc.CallAsync(ControlConstants.Program, ControlConstants.Version, (uint)procedure, arguments, cancellationToken).ConfigureAwait(false);
        return reply.EnsureSuccess().Results;
    }

    private delegate T BodyReader<out T>(ref XdrReader reader);

    private static T Decode<T>(ReadOnlyMemory<byte> results, BodyReader<T> body)
    {
        var reader = new XdrReader(results.Span);
        if (reader.ReadUInt32() != ControlCodec.Ok)
            throw new InvalidOperationException(reader.ReadString(ControlConstants.MaxMessageLength));
        return body(ref reader);
    }
}
