using System.Buffers;
using System.Net.Sockets;
using BenchmarkDotNet.Attributes;
using Lifeboat.OncRpc.Client;
using Lifeboat.OncRpc.Portmap;
using Lifeboat.OncRpc.RecordMarking;
using Lifeboat.OncRpc.Rpc;
using Lifeboat.OncRpc.Server;
using Lifeboat.OncRpc.Xdr;
using Lifeboat.Metrics;

namespace Lifeboat.Benchmarks.OncRpc;

/// <summary>
/// Round trips of portmap NULL over loopback TCP with <see cref="Depth"/> calls in flight: through
/// <see cref="RpcClient"/>, and through a blocking socket that sends Depth calls at once and reads Depth replies
/// (the server's share of the cost, comparable to the loopback figures in MEASURED.md).
/// Run: dotnet run -c Release -- --filter '*RpcNull*' --job short
/// </summary>
[MemoryDiagnoser]
public class RpcNullBenchmarks
{
    private const int CallsPerInvoke = 1024;
    private const int ReplySize = 4 + RpcMessageEncoder.AcceptedReplyHeaderSize;

    private RpcServer _server = null!;
    private RpcClient _client = null!;
    private Socket _socket = null!;
    private byte[] _calls = [];
    private byte[] _replies = [];

    private MetricsRegistry? _exporter;

    [Params(1, 16)]
    public int Depth { get; set; }

    /// <summary>Whether the server's metrics exporter listens to the meters (every reply is counted and timed either way).</summary>
    [Params(false, true)]
    public bool Exported { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _exporter = Exported ? new MetricsRegistry() : null;
        _server = new RpcServer([new PortmapProgram()]);
        _server.Start();
        _client = await RpcClient.ConnectAsync(_server.LocalEndPoint);
        _socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await _socket.ConnectAsync(_server.LocalEndPoint);

        var call = new ArrayBufferWriter<byte>();
        call.GetSpan(4).Clear();
        call.Advance(4);
        RpcMessageEncoder.WriteCallHeader(new XdrWriter(call), 1, PortmapProgram.ProgramNumber, PortmapProgram.ProgramVersion, 0, RpcCredentials.None);
        var one = call.WrittenSpan.ToArray();
        RecordMarkingReader.WriteLastFragmentHeader(one, one.Length - 4);
        _calls = [.. Enumerable.Repeat(one, Depth).SelectMany(c => c)];
        _replies = new byte[ReplySize * Depth];
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        _socket.Dispose();
        await _client.DisposeAsync();
        await _server.DisposeAsync();
        _exporter?.Dispose();
    }

    [Benchmark(OperationsPerInvoke = CallsPerInvoke)]
    public async Task RpcClientNull()
    {
        var workers = new Task[Depth];
        for (var w = 0; w < workers.Length; w++)
        {
            workers[w] = CallNullAsync(CallsPerInvoke / Depth);
        }

        await Task.WhenAll(workers);
    }

    [Benchmark(OperationsPerInvoke = CallsPerInvoke)]
    public void BlockingSocketNull()
    {
        for (var round = 0; round < CallsPerInvoke / Depth; round++)
        {
            _socket.Send(_calls);
            var received = 0;
            while (received < _replies.Length)
            {
                received += _socket.Receive(_replies, received, _replies.Length - received, SocketFlags.None);
            }
        }
    }

    private async Task CallNullAsync(int calls)
    {
        for (var i = 0; i < calls; i++)
        {
            (await _client.CallAsync(PortmapProgram.ProgramNumber, PortmapProgram.ProgramVersion, 0)).EnsureSuccess();
        }
    }
}
