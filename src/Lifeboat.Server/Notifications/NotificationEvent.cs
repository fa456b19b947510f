using Lifeboat.Server.Contracts.Notifications;
namespace Lifeboat.Server.Notifications;

/// <summary>Something an admin should hear of, as every channel (email, webhook, the server's log) tells it.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="Subject">Whom it concerns: the job's, VM's or repository's name ("nightly-web", "/srv/lifeboat").</param>
/// <param name="Title">One line: "Job nightly-web failed".</param>
/// <param name="Text">What happened and what to do, in sentences (the error, the fix).</param>
/// <param name="At">When it happened.</param>
/// <param name="ConsolePath">The console page to act on it, relative to the console's root ("jobs/nightly-web"), if any.</param>
public sealed record NotificationEvent(
    NotificationKind Kind,
    string Subject,
    string Title,
    string Text,
    DateTimeOffset At,
    string? ConsolePath = null);
