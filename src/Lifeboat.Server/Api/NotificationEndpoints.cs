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

    private static Results<Ok<NotificationChannelView>, NotFound<ApiError>> Get(string name, NotificationChannels channels) =>
        channels.Get(name) is { } channel ? TypedResults.Ok(channel) : TypedResults.NotFound(new ApiError(NotificationChannels.NoChannel(name).Message));

    private static Results<Created<NotificationChannelView>, BadRequest<ApiError>> Add(NotificationChannelRequest request, NotificationChannels channels)
    {
        try
        {
            var added = channels.Add(request);
            return TypedResults.Created($"/api/notifications/channels/{Uri.EscapeDataString(added.Name)}", added);
        }
        catch (InvalidChannelException e)
        {
            return TypedResults.BadRequest(Refusal(e));
        }
    }

    private static Results<Ok<NotificationChannelView>, BadRequest<ApiError>, NotFound<ApiError>> Update(string name, NotificationChannelRequest request, NotificationChannels channels)
    {
        try
        {
            return TypedResults.Ok(channels.Update(name, request));
        }
        catch (InvalidChannelException e)
        {
            return TypedResults.BadRequest(Refusal(e));
        }
        catch (KeyNotFoundException e)
        {
            return TypedResults.NotFound(new ApiError(e.Message));
        }
    }

    private static Results<NoContent, NotFound<ApiError>> Remove(string name, NotificationChannels channels)
    {
        try
        {
            channels.Remove(name);
            return TypedResults.NoContent();
        }
        catch (KeyNotFoundException e)
        {
            return TypedResults.NotFound(new ApiError(e.Message));
        }
    }

    private static async Task<Results<Ok<NotificationDeliveryView>, NotFound<ApiError>>> Test(string name, ChannelTest test, HttpContext context, CancellationToken cancellationToken)
    {
        try
        {
            return TypedResults.Ok(await test.SendAsync(name, LifeboatClaims.Who(context.User), cancellationToken).ConfigureAwait(false));
        }
        catch (KeyNotFoundException e)
        {
            return TypedResults.NotFound(new ApiError(e.Message));
        }
    }

    private static Results<Ok<List<NotificationDeliveryView>>, BadRequest<ApiError>> Deliveries(int? limit, NotificationDeliveryStore deliveries) =>
        limit is < 1 or > MaxDeliveries
            ? TypedResults.BadRequest(new ApiError($"The limit must be from 1 to {MaxDeliveries}.") { Field = "limit" })
            : TypedResults.Ok(deliveries.List(limit ?? DefaultDeliveries).ToList());

    private static ApiError Refusal(InvalidChannelException e) => new(e.Message) { Field = e.Problems[0].Field };
}
