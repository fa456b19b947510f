using Lifeboat.OncRpc.Client;
using Lifeboat.OncRpc.Rpc;

namespace Lifeboat.OncRpc.Tests;

/// <summary>Stopping the server: calls in flight finish and reply, or are aborted when the stop's token expires.</summary>
public sealed class RpcServerShutdownTests : RpcServerTest
{
    [Fact]
    public async Task Stop_lets_calls_in_flight_finish_and_send_their_replies()
    {
        await using var client = await ConnectAsync();
        var call = client.CallAsync(TestProgram.Number, 1, TestProgram.GatedEcho, RpcMessages.Opaque([5]));
        await Wait.UntilAsync(() => Program.Active == 1, "the call to start", Patience);

        var stop = Server.StopAsync();
        Assert.False(stop.IsCompleted);
        Program.Gate.Release();

        Assert.Equal(new byte[] { 5 }, ReadOpaque(await call.WaitAsync(Patience)));
        await stop.WaitAsync(Patience);
        Assert.Equal(0, Server.ConnectionCount);
        await Assert.ThrowsAnyAsync<Exception>(() => RpcClient.ConnectAsync(Server.LocalEndPoint));
    }

    [Fact]
    public async Task Stop_with_an_expired_token_aborts_calls_that_do_not_finish()
    {
        await using var client = await ConnectAsync();
        var call = client.CallAsync(TestProgram.Number, 1, TestProgram.WaitForCancellation);
        await Program.WaitingForCancellation.Task.WaitAsync(Patience);

        using var deadline = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Server.StopAsync(deadline.Token).WaitAsync(Patience);

        Assert.True(await Program.CancellationSeen.Task.WaitAsync(Patience));
        Assert.Equal(0, Server.ConnectionCount);

        // The aborted call ends either with the SYSTEM_ERR reply that raced the close, or with the closed connection.
        try
        {
            Assert.Equal(RpcAcceptStatus.SystemErr, (await call.WaitAsync(Patience)).AcceptStatus);
        }
        catch (IOException)
        {
        }
    }
}
