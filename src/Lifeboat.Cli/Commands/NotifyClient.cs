using Lifeboat.Server.Contracts.Notifications;

namespace Lifeboat.Cli.Commands;

/// <summary>The /api/notifications calls of <c>lifeboat notify</c>.</summary>
internal static class NotifyClient
{
    private const string Channels = "api/notifications/channels";

    public static Task<List<NotificationChannelView>> ListChannelsAsync(this ServerClient client, CancellationToken ct) =>
        client.GetAsync(Channels, ContractsJsonContext.Default.ListNotificationChannelView, ct);

    public static Task<NotificationChannelView> AddChannelAsync(this ServerClient client, NotificationChannelRequest request, CancellationToken ct) =>
        client.PostAsync(Channels, request, ContractsJsonContext.Default.NotificationChannelRequest, ContractsJsonContext.Default.NotificationChannelView, ct);

    public static Task RemoveChannelAsync(this ServerClient client, string name, CancellationToken ct) =>
        client.DeleteAsync($"{Channels}/{Uri.EscapeDataString(name)}", ct);

    public static Task<NotificationDeliveryView> TestChannelAsync(this ServerClient client, string name, CancellationToken ct) =>
        client.PostAsync($"{Channels}/{Uri.EscapeDataString(name)}/test", new NotifyTestBody(), ServerApiJsonContext.Default.NotifyTestBody,
            ContractsJsonContext.Default.NotificationDeliveryView, ct);

    public static Task<List<NotificationDeliveryView>> ListDeliveriesAsync(this ServerClient client, int limit, CancellationToken ct) =>
        client.GetAsync($"api/notifications/deliveries?limit={limit}", ContractsJsonContext.Default.ListNotificationDeliveryView, ct);
}

/// <summary>The test call's empty body.</summary>
internal sealed record NotifyTestBody;

internal sealed record NotifyRemovedJson(string Removed);
