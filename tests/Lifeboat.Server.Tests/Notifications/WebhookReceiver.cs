using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Server.Tests.Notifications;

/// <summary>A webhook receiver on a loopback port (Kestrel in the test): keeps each request's headers and body; /redirect answers 302, /broken 500.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Channel<ReceivedWebhook> _received = Channel.CreateUnbounded<ReceivedWebhook>();

    private WebhookReceiver(WebApplication app) => _app = app;

    public Uri Url(string path) => new(new Uri(_app.Urls.First()), path);

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.Run(async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            await receiver._received.Writer.WriteAsync(new ReceivedWebhook(context.Request.Method, context.Request.Path, headers, body.ToArray()));
            switch (context.Request.Path.Value)
            {
                case "/redirect":
                    context.Response.StatusCode = StatusCodes.Status302Found;
                    context.Response.Headers.Location = receiver.Url("/hook").AbsoluteUri;
                    break;
                case "/broken":
                    context.Response.StatusCode = StatusCodes.Status500InternalServerError;
                    break;
                default:
                    context.Response.StatusCode = StatusCodes.Status204NoContent;
                    break;
            }
        });
        await app.StartAsync();
        return receiver;
    }

    public async Task<ReceivedWebhook> NextAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        return await _received.Reader.ReadAsync(cancel.Token);
    }

    public bool TryNext(out ReceivedWebhook? request) => _received.Reader.TryRead(out request);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

public sealed record ReceivedWebhook(string Method, string Path, Dictionary<string, string> Headers, byte[] Body);
