using System.Text.Json;
using Lifeboat.Server.Contracts.Notifications;
using Lifeboat.Server.Data;
using Microsoft.AspNetCore.DataProtection;

namespace Lifeboat.Server.Notifications;

/// <summary>
/// The channels an admin set up. Their secrets (SMTP password, webhook secret) are kept in the database encrypted
/// with ASP.NET Data Protection, whose keys are the ones that sign the console's cookies, in the data folder's 0700
/// <c>keys</c> folder: a copy of the database alone reveals none. They leave this class only towards a delivery,
/// never in a view, a log line or the audit log.
/// </summary>
public sealed class NotificationChannels(NotificationChannelStore store, IDataProtectionProvider protection, TimeProvider time)
{
    private readonly IDataProtector _secrets = protection.CreateProtector("Lifeboat.Notifications.ChannelSecret.v1");

    public NotificationChannelView Add(NotificationChannelRequest request)
    {
        Throw(ChannelValidation.Check(request, hasSecret: false));
        var stored = Store(request, null, time.GetUtcNow());
        if (!store.Insert(stored))
            throw new InvalidChannelException([new FieldProblem(ChannelField.Name, $"There is already a channel {request.Name}; pick another name, or change that one.")]);
        return View(stored);
    }

    /// <summary>Replaces a channel's settings; a secret left out (null) stays as it was.</summary>
    public NotificationChannelView Update(string name, NotificationChannelRequest request)
    {
        var existing = store.Get(name) ?? throw NoChannel(name);
        if (request.Name != name)
            throw new InvalidChannelException([new FieldProblem(ChannelField.Name, $"A channel keeps its name ({name}); remove it and add one to rename it.")]);
        var sameKind = existing.Kind == request.Kind;
        Throw(ChannelValidation.Check(request, hasSecret: sameKind && existing.ProtectedSecret is not null));
        var stored = Store(request, sameKind ? existing.ProtectedSecret : null, existing.CreatedAt);
        store.Update(stored);
        return View(stored);
    }

    public NotificationChannelView SetEnabled(string name, bool enabled)
    {
        var existing = store.Get(name) ?? throw NoChannel(name);
        var stored = existing with { Enabled = enabled };
        store.Update(stored);
        return View(stored);
    }

    public void Remove(string name)
    {
        if (!store.Delete(name))
            throw NoChannel(name);
    }

    public NotificationChannelView? Get(string name) => store.Get(name) is { } stored ? View(stored) : null;

    public IReadOnlyList<NotificationChannelView> List() => [.. store.List().Select(View)];

    /// <summary>The channels that take <paramref name="kind"/> now, with their secrets, for delivery.</summary>
    internal IReadOnlyList<ChannelTarget> Wanting(NotificationKind kind) =>
        [.. store.List().Where(c => c.Enabled && c.Events.Contains(kind.ToString(), StringComparer.Ordinal)).Select(Target)];

    /// <summary>One channel with its secrets, enabled or not (a test reaches a disabled channel too).</summary>
    internal ChannelTarget TargetOf(string name) => Target(store.Get(name) ?? throw NoChannel(name));

    internal static LifeboatException NoChannel(string name) => LifeboatException.NotFound($"There is no notification channel {name}.", "name");

    private static void Throw(IReadOnlyList<FieldProblem> problems)
    {
        if (problems.Count > 0)
            throw new InvalidChannelException(problems);
    }

    private StoredNotificationChannel Store(NotificationChannelRequest request, string? keptSecret, DateTimeOffset createdAt)
    {
        var (settings, secret) = request.Kind == NotificationChannelKinds.Email
            ? (JsonSerializer.Serialize(request.Email! with { Password = null }, ContractsJsonContext.Default.EmailChannelSettings), request.Email!.Password)
            : (JsonSerializer.Serialize(request.Webhook! with { Secret = null }, ContractsJsonContext.Default.WebhookChannelSettings), request.Webhook!.Secret);
        var hasUser = request.Email is null || !string.IsNullOrEmpty(request.Email.User);
        var protectedSecret = !hasUser ? null : secret is null ? keptSecret : _secrets.Protect(secret);
        return new StoredNotificationChannel(request.Name, request.Kind, [.. request.Events.Distinct().Select(e => e.ToString())], request.Enabled, settings, protectedSecret, createdAt);
    }

    private static NotificationChannelView View(StoredNotificationChannel stored)
    {
        var secret = stored.ProtectedSecret is null ? null : NotificationChannelView.SecretSet;
        return stored.Kind == NotificationChannelKinds.Email
            ? new NotificationChannelView(stored.Name, stored.Kind, Kinds(stored), stored.Enabled, Email(stored) with { Password = secret }, null, stored.CreatedAt)
            : new NotificationChannelView(stored.Name, stored.Kind, Kinds(stored), stored.Enabled, null, Webhook(stored) with { Secret = secret }, stored.CreatedAt);
    }

    /// <summary>The kinds a stored channel asks for; a name no kind has any more (written by another version) is left out.</summary>
    private static List<NotificationKind> Kinds(StoredNotificationChannel stored) =>
        [.. stored.Events.Select(e => Enum.TryParse<NotificationKind>(e, out var kind) ? kind : (NotificationKind?)null).OfType<NotificationKind>()];

    private ChannelTarget Target(StoredNotificationChannel stored)
    {
        string? secret = null;
        var lost = false;
        try
        {
            secret = stored.ProtectedSecret is null ? null : _secrets.Unprotect(stored.ProtectedSecret);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            lost = true;
        }

        return stored.Kind == NotificationChannelKinds.Email
            ? new ChannelTarget(stored.Name, Email(stored) with { Password = secret }, null, lost)
            : new ChannelTarget(stored.Name, null, Webhook(stored) with { Secret = secret }, lost);
    }

    private static EmailChannelSettings Email(StoredNotificationChannel stored) =>
        JsonSerializer.Deserialize(stored.Settings, ContractsJsonContext.Default.EmailChannelSettings)
        ?? throw new InvalidDataException($"The settings of channel {stored.Name} are empty in the database.");

    private static WebhookChannelSettings Webhook(StoredNotificationChannel stored) =>
        JsonSerializer.Deserialize(stored.Settings, ContractsJsonContext.Default.WebhookChannelSettings)
        ?? throw new InvalidDataException($"The settings of channel {stored.Name} are empty in the database.");
}

/// <summary>A channel as a delivery needs it: its settings with the secret in clear. Never serialized, never logged.</summary>
/// <param name="SecretLost">The secret kept for it cannot be decrypted (the data folder's keys were replaced).</param>
internal sealed record ChannelTarget(string Name, EmailChannelSettings? Email, WebhookChannelSettings? Webhook, bool SecretLost = false)
{
    public override string ToString() => Name;
}
