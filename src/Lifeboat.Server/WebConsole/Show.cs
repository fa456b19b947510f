using System.Globalization;
using Lifeboat.Server.Sessions;

namespace Lifeboat.Server.WebConsole;

/// <summary>How the console writes times, sizes, durations and names for people.</summary>
public static class Show
{
    /// <summary>A time in the server's zone with its offset, as the CLI writes it (<see cref="Lifeboat.Server.Contracts.ZonedTime"/>).</summary>
    public static string Time(DateTimeOffset? time) => time is { } t ? Lifeboat.Server.Contracts.ZonedTime.Format(t, seconds: true) : "";

    /// <summary>When a job runs next: its retry when one comes before the schedule (the list and the job's page say the same).</summary>
    public static string NextRun(Lifeboat.Server.Contracts.Jobs.JobView job) =>
        job.RetryAt is { } retry && retry < job.NextRunAt ? $"{Time(retry)} (retry)" : Time(job.NextRunAt);

    public static string Seconds(double? seconds) =>
        seconds is { } s ? s.ToString(s < 10 ? "0.00" : "0.0", CultureInfo.InvariantCulture) + " s" : "";

    public static string Bytes(long? bytes)
    {
        if (bytes is not { } b)
            return "";
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        var value = (double)b;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0 ? $"{b} B" : value.ToString(value < 10 ? "0.0" : "0", CultureInfo.InvariantCulture) + " " + units[unit];
    }

    public static string Phase(SessionPhase phase) => phase switch
    {
        SessionPhase.NfsMapping => "NFS mapping",
        SessionPhase.RegisteringAndStarting => "Registering and starting",
        SessionPhase.MigratingToProduction => "Migrating to production",
        _ => phase.ToString(),
    };

    /// <summary>A lower-case word for a state or result, also its CSS class.</summary>
    public static string Word<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();

    /// <summary>A notification's kind as the page says it: "a job fails" for JobFailed.</summary>
    public static string Event(Lifeboat.Server.Contracts.Notifications.NotificationKind kind) => kind switch
    {
        Lifeboat.Server.Contracts.Notifications.NotificationKind.JobFailed => "a job fails",
        Lifeboat.Server.Contracts.Notifications.NotificationKind.VerificationFailed => "a verification fails",
        Lifeboat.Server.Contracts.Notifications.NotificationKind.VmOverdue => "a VM misses its schedule",
        Lifeboat.Server.Contracts.Notifications.NotificationKind.RepositoryNearlyFull => "a repository is nearly full",
        Lifeboat.Server.Contracts.Notifications.NotificationKind.Test => "a test",
        _ => kind.ToString(),
    };
}
