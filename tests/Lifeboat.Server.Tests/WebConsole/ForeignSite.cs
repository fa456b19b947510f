using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Lifeboat.Server.Tests.WebConsole;

/// <summary>
/// Another site on the same machine: a tiny HTTP listener on another port of 127.0.0.1 that serves one page, whatever
/// is asked. Same host, another port: same-site to the browser (the SameSite=Strict cookie goes along), not same-origin.
/// </summary>
internal sealed class ForeignSite : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly byte[] _response;
    private readonly Task _serving;

    public ForeignSite(string html)
    {
        var body = Encoding.UTF8.GetBytes(html);
        _response = [.. Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n"), .. body];
        _listener.Start();
        Address = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _serving = ServeAsync(_stop.Token);
    }

    public Uri Address { get; }

    /// <summary>The page's origin as a browser names it in the Origin header.</summary>
    public string Origin => Address.GetLeftPart(UriPartial.Authority);

    private async Task ServeAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                using var client = await _listener.AcceptTcpClientAsync(cancellationToken);
                try
                {
                    await AnswerAsync(client.GetStream(), cancellationToken);
                }
                catch (IOException)
                {
                    // The browser went away mid-request; the next one is answered all the same.
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Reads the request's head (a browser's GET has no body), then answers and closes.</summary>
    private async Task AnswerAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var request = new List<byte>();
        var buffer = new byte[4096];
        while (request.Count < 64 * 1024 && !EndsWithBlankLine(request))
        {
            var read = await stream.ReadAsync(buffer, cancellationToken);
            if (read == 0)
                break;
            request.AddRange(buffer.AsSpan(0, read));
        }

        await stream.WriteAsync(_response, cancellationToken);
    }

    private static bool EndsWithBlankLine(List<byte> bytes) =>
        bytes.Count >= 4 && bytes[^4] == '\r' && bytes[^3] == '\n' && bytes[^2] == '\r' && bytes[^1] == '\n';

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _serving;
        }
        catch (SocketException)
        {
        }

        _stop.Dispose();
    }
}
