using System.Globalization;

namespace Lifeboat.Cli.Output;

/// <summary>
/// How the CLI writes a time: in this machine's zone (TZ), always with that zone's offset from UTC, so that a time in
/// one table can be compared with a time anywhere else (a restore point's id is its UTC time).
/// </summary>
internal static class CliTime
{
    public static string Format(DateTimeOffset? time, bool seconds = false)
    {
        if (time is not { } t)
            return "-";
        var local = TimeZoneInfo.ConvertTime(t, TimeZoneInfo.Local);
        var text = local.ToString(seconds ? "yyyy-MM-dd HH:mm:ss" : "yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
        return $"{text} {Zone(local.Offset)}";
    }

    /// <summary><c>UTC</c>, or <c>UTC-05:00</c>, <c>UTC+05:30</c>.</summary>
    public static string Zone(TimeSpan offset) =>
        offset == TimeSpan.Zero ? "UTC" : $"UTC{(offset < TimeSpan.Zero ? '-' : '+')}{offset.Duration():hh\\:mm}";
}
