using System.Globalization;

namespace Lifeboat.Cli.Output;

internal static class Sizes
{
    private static readonly string[] Units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

    public static string Format(long bytes)
    {
        double value = bytes;
        var unit = 0;
        while (Math.Abs(value) >= 1024 && unit < Units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes} B")
            : string.Create(CultureInfo.InvariantCulture, $"{value:0.0} {Units[unit]}");
    }

    public static string Throughput(long bytes, TimeSpan elapsed) =>
        elapsed.TotalSeconds <= 0 ? "-" : Format((long)(bytes / elapsed.TotalSeconds)) + "/s";

    public static long Parse(string text)
    {
        var t = text.Trim();
        long multiplier = 1;
        var suffix = t.Length > 0 ? char.ToUpperInvariant(t[^1]) : ' ';
        if (suffix is 'K' or 'M' or 'G')
        {
            multiplier = suffix switch { 'K' => 1L << 10, 'M' => 1L << 20, _ => 1L << 30 };
            t = t[..^1];
        }
        if (!long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n <= 0)
            throw new CliException($"'{text}' is not a size; write it like 64K, 1M or 4M.");
        return checked(n * multiplier);
    }
}
