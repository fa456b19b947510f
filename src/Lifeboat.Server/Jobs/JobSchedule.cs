using System.Globalization;
using System.Text.RegularExpressions;

namespace Lifeboat.Server.Jobs;

/// <summary>When a job runs: every day at a local time ("daily 02:00") or at a fixed interval ("every 6h", "every 30m").</summary>
public sealed partial record JobSchedule
{
    public const string Usage = "\"daily HH:MM\" (the server's local time, e.g. daily 02:00) or \"every Nh\" / \"every Nm\" (e.g. every 6h)";

    private const int MaxIntervalMinutes = 7 * 24 * 60;

    private JobSchedule(TimeOnly? dailyAt, TimeSpan? interval)
    {
        DailyAt = dailyAt;
        Interval = interval;
    }

    /// <summary>The local time of day of a daily schedule.</summary>
    public TimeOnly? DailyAt { get; }

    /// <summary>The interval of an "every" schedule.</summary>
    public TimeSpan? Interval { get; }

    /// <exception cref="ArgumentException">The text is not a schedule; the message says which forms are.</exception>
    public static JobSchedule Parse(string? text)
    {
        var trimmed = (text ?? "").Trim();
        if (DailyPattern().Match(trimmed) is { Success: true } daily)
        {
            var hour = int.Parse(daily.Groups[1].ValueSpan, CultureInfo.InvariantCulture);
            var minute = int.Parse(daily.Groups[2].ValueSpan, CultureInfo.InvariantCulture);
            if (hour < 24 && minute < 60)
                return new JobSchedule(new TimeOnly(hour, minute), null);
        }
        else if (EveryPattern().Match(trimmed) is { Success: true } every
            && int.TryParse(every.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var count))
        {
            var minutes = char.ToLowerInvariant(every.Groups[2].Value[0]) == 'h' ? (long)count * 60 : count;
            if (minutes is >= 1 and <= MaxIntervalMinutes)
                return new JobSchedule(null, TimeSpan.FromMinutes(minutes));
        }

        throw new ArgumentException($"Schedule '{text}' is not {Usage}, with at most a week between runs.");
    }

    /// <summary>The first time of the schedule strictly after <paramref name="after"/>.</summary>
    public DateTimeOffset NextAfter(DateTimeOffset after, TimeZoneInfo zone)
    {
        if (Interval is { } interval)
            return after + interval;
        var at = DailyAt!.Value;
        var localDay = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(after, zone).DateTime);
        while (true)
        {
            var candidate = ToInstant(localDay.ToDateTime(at), zone);
            if (candidate > after)
                return candidate;
            localDay = localDay.AddDays(1);
        }
    }

    /// <summary>The first time of the schedule after <paramref name="planned"/> that is also after <paramref name="now"/>: missed runs are not made up one by one.</summary>
    public DateTimeOffset NextAfter(DateTimeOffset planned, DateTimeOffset now, TimeZoneInfo zone)
    {
        var next = NextAfter(planned, zone);
        if (next > now)
            return next;
        if (Interval is { } interval)
        {
            var behind = (now - next).Ticks / interval.Ticks + 1;
            return next + interval * behind;
        }

        return NextAfter(now, zone);
    }

    public override string ToString() => DailyAt is { } at
        ? "daily " + at.ToString("HH:mm", CultureInfo.InvariantCulture)
        : Interval!.Value.TotalMinutes % 60 == 0
            ? $"every {Interval.Value.TotalHours:0}h"
            : $"every {Interval.Value.TotalMinutes:0}m";

    /// <summary>A local wall-clock time as an instant; a time the clocks skip (spring forward) runs an hour later.</summary>
    private static DateTimeOffset ToInstant(DateTime local, TimeZoneInfo zone)
    {
        if (zone.IsInvalidTime(local))
            local = local.AddHours(1);
        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }

    [GeneratedRegex(@"^daily\s+(\d{1,2}):(\d{2})$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DailyPattern();

    [GeneratedRegex(@"^every\s+(\d{1,6})\s*([hm])$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex EveryPattern();
}
