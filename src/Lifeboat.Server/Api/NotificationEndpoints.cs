using Lifeboat.Server.Contracts.Notifications;
using Lifeboat.Server.Data;
using Lifeboat.Server.Notifications;
using Lifeboat.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Lifeboat.Server.Api;

/// <summary>/api/notifications (admin): the channels events are delivered to (email, webhook), a test, the deliveries.</summary>
public static class NotificationEndpoints
{
    public const int DefaultDeliveries = 50;
    public const int MaxDeliveries = NotificationDeliveryStore.Kept;

    public static void Map(IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/notifications").WithTags("Notifications").RequireAuthorization(LifeboatPolicies.Admin);
        group.MapGet("/channels", List).WithSummary("The channels; their password or secret only as \"set\".");
        group.MapPost("/channels", Add).WithSummary("Adds an email (SMTP) or webhook channel and the kinds of events it hears of.")
            .Audited("notification.add", (context, _) => context.Arguments.OfType<NotificationChannelRequest>().FirstOrDefault() is { } r ? $"{r.Name} ({r.Kind})" : "");
        group.MapGet("/channels/{name}", Get).WithSummary("One channel; its password or secret only as \"set\".");
        group.MapPut("/channels/{name}", Update).WithSummary("Replaces a channel's settings; a password or secret left out (null) is kept.")
            .Audited("notification.update");
        group.MapDelete("/channels/{name}", Remove).WithSummary("Removes a channel; its deliveries stay in the list.").Audited("notification.remove");
        group.MapPost("/channels/{name}/test", Test).WithSummary("Sends a Test event to the channel now, once, and answers how the delivery went.")
            .Audited("notification.test");
        group.MapGet("/deliveries", Deliveries).WithSummary($"Every attempt to deliver an event, newest first (limit: {DefaultDeliveries} by default, at most {MaxDeliveries}).");
    }

    private static Ok<List<NotificationChannelView>> List(NotificationChannels channels) => TypedResults.Ok(channels.List().ToList());

    private static Ok<NotificationChannelView> Get(string name, NotificationChannels channels) =>
        TypedResults.Ok(channels.Get(name) ?? throw NotificationChannels.NoChannel(name));

    private static Created<NotificationChannelView> Add(NotificationChannelRequest request, NotificationChannels channels) =>
        Answered.Created(channels.Add(request), added => $"/api/notifications/channels/{Uri.EscapeDataString(added.Name)}");

    private static Ok<NotificationChannelView> Update(string name, NotificationChannelRequest request, NotificationChannels channels) =>
        TypedResults.Ok(channels.Update(name, request));

    private static NoContent Remove(string name, NotificationChannels channels) => Answered.After(() => channels.Remove(name));

    private static async Task<Ok<NotificationDeliveryView>> Test(string name, ChannelTest test, HttpContext context, CancellationToken cancellationToken) =>
        TypedResults.Ok(await test.SendAsync(name, LifeboatClaims.Who(context.User), cancellationToken).ConfigureAwait(false));

    private static Ok<List<NotificationDeliveryView>> Deliveries(int? limit, NotificationDeliveryStore deliveries) =>
        limit is < 1 or > MaxDeliveries
            ? throw LifeboatException.Invalid("limit", $"The limit must be from 1 to {MaxDeliveries}.")
            : TypedResults.Ok(deliveries.List(limit ?? DefaultDeliveries).ToList());
}
