using Lifeboat.Server.Contracts.Notifications;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Server.Notifications;

/// <summary>
/// Drains the <see cref="NotificationQueue"/>: each event goes to every enabled channel that wants its kind, each
/// delivery on its own (a channel retrying for minutes holds no other), at most <see cref="MaxInFlight"/> at once.
/// </summary>
public sealed partial class NotificationDispatcher(
    NotificationQueue queue, NotificationChannels channels, NotificationDelivery delivery, ILogger<NotificationDispatcher> logger) : BackgroundService
{
    public const int MaxInFlight = 16;

    private readonly SemaphoreSlim _inFlight = new(MaxInFlight);
    private readonly HashSet<Task> _running = [];
    private readonly Lock _gate = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var notification in queue.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                IReadOnlyList<ChannelTarget> targets;
                try
                {
                    targets = channels.Wanting(notification.Kind);
                }
                catch (Exception e) when (e is Microsoft.Data.Sqlite.SqliteException or InvalidDataException or System.Text.Json.JsonException)
                {
                    ChannelsUnreadable(logger, e, notification.Kind, notification.Title);
                    continue;
                }

                foreach (var target in targets)
                {
                    await _inFlight.WaitAsync(stoppingToken).ConfigureAwait(false);
                    Track(Task.Run(() => DeliverAsync(target, notification, stoppingToken), CancellationToken.None));
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The server stops; the deliveries still waiting for their next attempt end with it.
        }

        Task[] running;
        lock (_gate)
            running = [.. _running];
        await Task.WhenAll(running).ConfigureAwait(false);
    }

    public override void Dispose()
    {
        base.Dispose();
        _inFlight.Dispose();
    }

    private async Task DeliverAsync(ChannelTarget target, NotificationEvent notification, CancellationToken stoppingToken)
    {
        try
        {
            await delivery.DeliverAsync(target, notification, retry: true, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // A bug or a database that cannot be written must not end the dispatcher: the log says which.
            DeliveryCrashed(logger, e, notification.Kind, target.Name);
        }
        finally
        {
            _inFlight.Release();
        }
    }

    private void Track(Task task)
    {
        lock (_gate)
            _running.Add(task);
        task.ContinueWith(t =>
        {
            lock (_gate)
                _running.Remove(t);
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    [LoggerMessage(30, LogLevel.Error, "Notification {Kind} not delivered: the channels cannot be read ({Title})")]
    private static partial void ChannelsUnreadable(ILogger logger, Exception exception, NotificationKind kind, string title);

    [LoggerMessage(31, LogLevel.Error, "Notification {Kind} to channel {Channel} failed unexpectedly")]
    private static partial void DeliveryCrashed(ILogger logger, Exception exception, NotificationKind kind, string channel);
}
