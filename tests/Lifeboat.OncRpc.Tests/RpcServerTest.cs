using Lifeboat.OncRpc.Client;
using Lifeboat.OncRpc.Server;
using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.OncRpc.Tests;

/// <summary>An RPC server over TCP serving <see cref="TestProgram"/>, started for each test and stopped after it.</summary>
public abstract class RpcServerTest : IAsyncLifetime
{
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private protected TestProgram Program { get; } = new();

    protected RpcServer Server { get; private set; } = null!;

    public Task InitializeAsync()
    {
        Server = StartServer(new RpcServerOptions());
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        Program.Gate.Release(1000);
        await Server.DisposeAsync();
    }

    protected RpcServer StartServer(RpcServerOptions options)
    {
        var server = new RpcServer([Program], options);
        server.Start();
        return server;
    }

    protected Task<RpcClient> ConnectAsync(RpcClientOptions? options = null) => RpcClient.ConnectAsync(Server.LocalEndPoint, options);

    protected static byte[] ReadOpaque(RpcReply reply) => new XdrReader(reply.EnsureSuccess().Results.Span).ReadOpaque(1 << 20).ToArray();
}
