using System.Text.Json.Serialization;

namespace Lifeboat.Server.Contracts.Notifications;

/// <summary>What happened: each kind is one line of a channel's "notify me of" list.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<NotificationKind>))]
public enum NotificationKind
{
    /// <summary>A job's run failed (every retry included: each failed attempt is one event).</summary>
    JobFailed,

    /// <summary>A restore point's boot verification failed.</summary>
    VerificationFailed,

    /// <summary>A VM that a job backs up has no restore point newer than its schedule allows.</summary>
    VmOverdue,

    /// <summary>A repository's file system is nearly full.</summary>
    RepositoryNearlyFull,

    /// <summary>An admin asked for a test message.</summary>
    Test,
}

/// <summary>The kinds a channel can ask for (a test reaches every channel, whatever it asks for).</summary>
public static class NotificationKinds
{
    public static IReadOnlyList<NotificationKind> All { get; } =
        [NotificationKind.JobFailed, NotificationKind.VerificationFailed, NotificationKind.VmOverdue, NotificationKind.RepositoryNearlyFull];
}
