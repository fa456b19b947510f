using System.Buffers;
using System.Net;
using Lifeboat.OncRpc.Client;
using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.OncRpc.Portmap;

/// <summary>
/// Talks portmap v2 to a port mapper (rpcbind or <see cref="PortmapProgram"/>) over TCP, e.g. to register
/// MOUNT and NFS with the system's rpcbind when it already owns port 111.
/// </summary>
public sealed class PortmapClient : IAsyncDisposable
{
    public const int DefaultPort = 111;

    /// <summary>Bounds the DUMP list a server can make us hold.</summary>
    public const int MaxDumpEntries = 65536;

    private readonly RpcClient _client;

    private PortmapClient(RpcClient client)
    {
        _client = client;
    }

    /// <summary>
    /// Connects to the port mapper at <paramref name="endPoint"/> (127.0.0.1:111 by default). rpcbind honours SET and
    /// UNSET over TCP only from a reserved local port, which this client takes when the process may (root).
    /// </summary>
    public static async Task<PortmapClient> ConnectAsync(IPEndPoint? endPoint = null, CancellationToken cancellationToken = default)
    {
        endPoint ??= new IPEndPoint(IPAddress.Loopback, DefaultPort);
        var client = await RpcClient.ConnectAsync(endPoint, new RpcClientOptions { UseReservedPort = true }, cancellationToken).ConfigureAwait(false);
        return new PortmapClient(client);
    }

    public async Task NullAsync(CancellationToken cancellationToken = default) =>
        await CallAsync(PortmapProcedure.Null, null, cancellationToken).ConfigureAwait(false);

    /// <summary>Registers a mapping; false when the port mapper refused it (already mapped, or not allowed).</summary>
    public async Task<bool> SetAsync(PortmapMapping mapping, CancellationToken cancellationToken = default)
    {
        var results = await CallAsync(PortmapProcedure.Set, mapping, cancellationToken).ConfigureAwait(false);
        return new XdrReader(results.Span).ReadBool();
    }

    /// <summary>Removes every mapping of (program, version); false when there was none or it was not allowed.</summary>
    public async Task<bool> UnsetAsync(uint program, uint version, CancellationToken cancellationToken = default)
    {
        var results = await CallAsync(PortmapProcedure.Unset, new PortmapMapping(program, version, PortmapProtocol.Tcp, 0), cancellationToken).ConfigureAwait(false);
        return new XdrReader(results.Span).ReadBool();
    }

    /// <summary>The port of (program, version, protocol), or 0 when it is not registered.</summary>
    public async Task<uint> GetPortAsync(uint program, uint version, PortmapProtocol protocol, CancellationToken cancellationToken = default)
    {
        var results = await CallAsync(PortmapProcedure.GetPort, new PortmapMapping(program, version, protocol, 0), cancellationToken).ConfigureAwait(false);
        return new XdrReader(results.Span).ReadUInt32();
    }

    public async Task<IReadOnlyList<PortmapMapping>> DumpAsync(CancellationToken cancellationToken = default)
    {
        var results = await CallAsync(PortmapProcedure.Dump, null, cancellationToken).ConfigureAwait(false);
        return ReadDump(results.Span);
    }

    public ValueTask DisposeAsync() => _client.DisposeAsync();

    private static List<PortmapMapping> ReadDump(ReadOnlySpan<byte> results)
    {
        var reader = new XdrReader(results);
        var mappings = new List<PortmapMapping>();
        while (reader.ReadBool())
        {
            if (mappings.Count == MaxDumpEntries)
            {
                throw new XdrException($"The port mapper's DUMP lists more than {MaxDumpEntries} mappings; it is misbehaving.");
            }

            mappings.Add(PortmapMapping.Read(ref reader));
        }

        return mappings;
    }

    private async Task<ReadOnlyMemory<byte>> CallAsync(PortmapProcedure procedure, PortmapMapping? argument, CancellationToken cancellationToken)
    {
        var arguments = new ArrayBufferWriter<byte>(PortmapMapping.EncodedSize);
        argument?.WriteTo(new XdrWriter(arguments));
        var reply = await _client.CallAsync(PortmapProgram.ProgramNumber, PortmapProgram.ProgramVersion, (uint)procedure, arguments.WrittenMemory, cancellationToken).ConfigureAwait(false);
        return reply.EnsureSuccess().Results;
    }
}
