using System.Globalization;

namespace Lifeboat.Server.Contracts;

/// <summary>
/// The one way a time is written for people, by the console and the CLI alike: in this machine's zone (TZ), always with
/// that zone's offset from UTC (<c>2026-12-07 03:42 UTC-05:00</c>), so a time on a page, in a table and in an id (UTC)
/// can be compared.
/// </summary>
public static class ZonedTime
{
    public static string Format(DateTimeOffset time, bool seconds)
    {
        var local = TimeZoneInfo.ConvertTime(time, TimeZoneInfo.Local);
        var text = local.ToString(seconds ? "yyyy-MM-dd HH:mm:ss" : "yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
        var offset = local.Offset;
        var zone = offset == TimeSpan.Zero ? "UTC" : $"UTC{(offset < TimeSpan.Zero ? '-' : '+')}{offset.Duration():hh\\:mm}";
        return $"{text} {zone}";
    }
}
