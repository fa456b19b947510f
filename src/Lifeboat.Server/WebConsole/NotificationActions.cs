using System.Security.Claims;
using Lifeboat.Server.Contracts.Notifications;
using Lifeboat.Server.Contracts.Security;
using Lifeboat.Server.Notifications;
using Lifeboat.Server.Security;

namespace Lifeboat.Server.WebConsole;

/// <summary>
/// The Notifications page's buttons: the same NotificationChannels and ChannelTest calls the REST API makes, admin
/// only, audited under the REST API's action names through <see cref="ConsoleActions"/>; secrets never in the audit text.
/// </summary>
public sealed class NotificationActions(ConsoleActions actions, NotificationChannels channels, ChannelTest test)
{
    /// <summary>Adds a channel; a refusal carries every field's problem in <paramref name="problems"/>.</summary>
    public Task<ConsoleOutcome> AddAsync(ClaimsPrincipal who, string? from, NotificationChannelRequest request, List<FieldProblem> problems, CancellationToken cancellationToken)
    {
        var target = $"{request.Name} ({request.Kind})";
        return actions.RunAsync(who, from, "notification.add", target, LifeboatRoles.Admin, _ =>
        {
            try
            {
                var added = channels.Add(request);
                return Task.FromResult((new ConsoleOutcome(true, $"Channel {added.Name} sends {string.Join(", ", added.Events)} to {added.Target}; press Test to try it.", added.Name), target));
            }
            catch (InvalidChannelException e)
            {
                problems.AddRange(e.Problems);
                return Task.FromResult((new ConsoleOutcome(false, e.Problems.Count == 1 ? e.Message : $"{e.Problems.Count} fields need a change; each says why.", null), target));
            }
        }, cancellationToken);
    }

    public Task<ConsoleOutcome> SetEnabledAsync(ClaimsPrincipal who, string? from, string name, bool enabled, CancellationToken cancellationToken) =>
        actions.RunAsync(who, from, "notification.update", name, LifeboatRoles.Admin, _ =>
        {
            channels.SetEnabled(name, enabled);
            return Task.FromResult((new ConsoleOutcome(true, $"Channel {name} is {(enabled ? "enabled" : "disabled: it hears of nothing until enabled")}.", name), name));
        }, cancellationToken);

    public Task<ConsoleOutcome> RemoveAsync(ClaimsPrincipal who, string? from, string name, CancellationToken cancellationToken) =>
        actions.RunAsync(who, from, "notification.remove", name, LifeboatRoles.Admin, _ =>
        {
            channels.Remove(name);
            return Task.FromResult((new ConsoleOutcome(true, $"Channel {name} is removed; its deliveries stay listed.", name), name));
        }, cancellationToken);

    /// <summary>Sends a test message now; the outcome says whether it was delivered or why not.</summary>
    public Task<ConsoleOutcome> TestAsync(ClaimsPrincipal who, string? from, string name, CancellationToken cancellationToken) =>
        actions.RunAsync(who, from, "notification.test", name, LifeboatRoles.Admin, async current =>
        {
            var delivery = await test.SendAsync(name, LifeboatClaims.Who(current), cancellationToken).ConfigureAwait(false);
            return delivery.Outcome == NotificationDeliveryOutcomes.Delivered
                ? (new ConsoleOutcome(true, $"Delivered a test message to {name}.", name), name)
                : (new ConsoleOutcome(false, $"Not delivered: {delivery.Error}", name), name);
        }, cancellationToken);
}
