using Lifeboat.OncRpc.Client;
using Lifeboat.OncRpc.Server;
using Microsoft.Extensions.Logging;

namespace Lifeboat.OncRpc.Tests;

/// <summary>
/// The transport's catch-all: an exception that escapes an RPC connection's handler (here thrown by the logger
/// while the handler reports a failed procedure, the one place a handler runs code it does not own) is logged as a
/// connection failure and closes that connection only; the others go on, and the server still stops cleanly.
/// </summary>
public sealed class ConnectionFailureTests
{
    [Fact]
    public async Task An_exception_in_a_connections_handler_is_logged_and_closes_only_that_connection()
    {
        var log = new ThrowingLogger();
        var server = new RpcServer([new TestProgram()], logger: log);
        server.Start();
        await using var client = await RpcClient.ConnectAsync(server.LocalEndPoint);
        using var failing = await RawRpcConnection.ConnectAsync(server.LocalEndPoint);

        // Both connections serve calls before the failure.
        (await client.CallAsync(TestProgram.Number, 1, TestProgram.Null)).EnsureSuccess();
        await failing.SendAsync(RpcRecords.Frame(RpcMessages.Call(1, TestProgram.Number, 1, TestProgram.Null)));
        Assert.True((await failing.ReceiveReplyAsync())!.IsSuccess);

        await failing.SendAsync(RpcRecords.Frame(RpcMessages.Call(2, TestProgram.Number, 1, TestProgram.Throw)));
        Assert.True(await failing.WaitUntilClosedAsync());
        var failure = Assert.Single(log.Entries, e => e.Level == LogLevel.Critical);
        Assert.Contains("ONC RPC connection", failure.Message, StringComparison.Ordinal);
        Assert.Contains("failed unexpectedly and was closed", failure.Message, StringComparison.Ordinal);
        Assert.Contains(ThrowingLogger.Injected, failure.Message, StringComparison.Ordinal);

        // The other connection, and new ones, go on.
        (await client.CallAsync(TestProgram.Number, 1, TestProgram.Null)).EnsureSuccess();
        await using (var another = await RpcClient.ConnectAsync(server.LocalEndPoint))
        {
            (await another.CallAsync(TestProgram.Number, 1, TestProgram.Null)).EnsureSuccess();
        }

        await server.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, server.ConnectionCount);
    }

    /// <summary>Throws when the server reports a failed procedure (event 8, DispatchFailed); keeps everything else.</summary>
    private sealed class ThrowingLogger : ILogger<RpcServer>
    {
        public const string Injected = "injected into the connection's handler";

        private readonly CollectingLogger<RpcServer> _inner = new();

        public IReadOnlyCollection<(LogLevel Level, EventId Event, string Message)> Entries => _inner.Entries;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id == 8 && logLevel == LogLevel.Error)
            {
                throw new InvalidOperationException(Injected);
            }

            _inner.Log(logLevel, eventId, state, exception, (s, e) => $"{formatter(s, e)} {e?.Message}");
        }
    }
}
