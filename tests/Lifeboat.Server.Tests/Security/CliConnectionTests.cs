using System.Net;
using System.Net.Sockets;
using System.Text;
using Lifeboat.Server.Contracts.Security;

namespace Lifeboat.Server.Tests.Security;

/// <summary>
/// Every way the CLI can fail to talk to a server ends in one line with the fix, a non-zero exit and no stack trace:
/// against real listeners on loopback that refuse, close, send what is not HTTP, say nothing, or answer as a web site.
/// (HTTPS against plain HTTP, certificates and the reverse: <see cref="HttpsTests"/>, <see cref="CliAccountTests"/>.)
/// </summary>
public sealed class CliConnectionTests
{
    private static readonly byte[] Html = Encoding.ASCII.GetBytes("<!doctype html><html><body><h1>It works!</h1></body></html>");

    [Fact]
    public async Task Each_connection_failure_is_one_sentence_with_its_fix()
    {
        int freed;
        using (var taken = new TcpListener(IPAddress.Loopback, 0))
        {
            taken.Start();
            freed = ((IPEndPoint)taken.LocalEndpoint).Port;
        }

        Fails($"127.0.0.1:{freed}", "No Lifeboat server answers at http://127.0.0.1:");
        Fails("no-such-host.invalid:8707", "The server name 'no-such-host.invalid' in LIFEBOAT_SERVER does not resolve");

        await using (var closes = BareListener.Start(ReadHeadAsync))
            Fails(closes.Address, "closed the connection without an answer; if it serves HTTPS set LIFEBOAT_SERVER=https://127.0.0.1:");
        await using (var ssh = BareListener.Start(async socket =>
        {
            await socket.SendAsync(Encoding.ASCII.GetBytes("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"));
            await ReadHeadAsync(socket);
        }))
            Fails(ssh.Address, "answered with something that is not HTTP");
        await using (var silent = BareListener.Start(socket => Task.Delay(TimeSpan.FromSeconds(30))))
            Fails(silent.Address, "did not answer within 2 s; check that it is a Lifeboat server and runs, or wait longer with LIFEBOAT_TIMEOUT=SECONDS.");
        await using (var site = BareListener.Start(socket => AnswerAsync(socket, "200 OK")))
            Fails(site.Address, "answered api/sessions with something that is not a Lifeboat document");
        await using (var missing = BareListener.Start(socket => AnswerAsync(socket, "404 Not Found")))
            Fails(missing.Address, "answered 404 NotFound; check that LIFEBOAT_SERVER points at a Lifeboat server.");
    }

    private static void Fails(string server, string expected)
    {
        var environment = new Dictionary<string, string>
        {
            ["LIFEBOAT_SERVER"] = server,
            [ApiTokenFile.TokenVariable] = "lb_not-a-real-token",
            ["LIFEBOAT_TIMEOUT"] = "2",
        };
        var result = LifeboatProcess.Run(environment, "sessions");
        Assert.True(result.ExitCode != 0, $"lifeboat sessions against {server} succeeded:\n{result.Stdout}");
        var lines = result.Stderr.Trim().Split('\n');
        Assert.True(lines.Length == 1, $"Against {server} the CLI wrote {lines.Length} lines:\n{result.Stderr}");
        Assert.Contains(expected, lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr + result.Stdout, StringComparison.Ordinal);
    }

    /// <summary>Reads the request's head, then answers it as a web server would: HTML, and the connection closed.</summary>
    private static async Task AnswerAsync(Socket socket, string status)
    {
        await ReadHeadAsync(socket);
        var head = $"HTTP/1.1 {status}\r\nContent-Type: text/html\r\nContent-Length: {Html.Length}\r\nConnection: close\r\n\r\n";
        await socket.SendAsync(Encoding.ASCII.GetBytes(head));
        await socket.SendAsync(Html);
    }

    /// <summary>Reads up to the end of the request's head, so that closing the connection then is a clean close, not a reset.</summary>
    private static async Task ReadHeadAsync(Socket socket)
    {
        var buffer = new byte[8192];
        var read = 0;
        while (read < buffer.Length && !Encoding.ASCII.GetString(buffer, 0, read).Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var n = await socket.ReceiveAsync(buffer.AsMemory(read));
            if (n == 0)
                return;
            read += n;
        }
    }

    /// <summary>A TCP listener on loopback that treats every connection with <c>behaviour</c>, then closes it.</summary>
    private sealed class BareListener : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _accepting;

        private BareListener(Func<Socket, Task> behaviour)
        {
            _listener.Start();
            _accepting = AcceptAsync(behaviour);
        }

        public string Address => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

        public static BareListener Start(Func<Socket, Task> behaviour) => new(behaviour);

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _accepting;
            _stop.Dispose();
        }

        private async Task AcceptAsync(Func<Socket, Task> behaviour)
        {
            var connections = new List<Task>();
            try
            {
                while (true)
                {
                    var socket = await _listener.AcceptSocketAsync(_stop.Token);
                    connections.Add(Task.Run(async () =>
                    {
                        using (socket)
                        {
                            try
                            {
                                await behaviour(socket).WaitAsync(_stop.Token);
                            }
                            catch (Exception e) when (e is SocketException or OperationCanceledException)
                            {
                                // The client went away (it timed out) or the test is over.
                            }
                        }
                    }));
                }
            }
            catch (OperationCanceledException)
            {
            }
            catch (SocketException)
            {
            }

            await Task.WhenAll(connections);
        }
    }
}
