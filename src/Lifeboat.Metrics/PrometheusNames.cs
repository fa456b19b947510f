using System.Text;

namespace Lifeboat.Metrics;

/// <summary>
/// Prometheus names for BCL instruments, after OpenTelemetry's Prometheus compatibility rules: dots and other
/// characters become underscores, the unit becomes a suffix (s: _seconds, By: _bytes, 1 on a gauge: _ratio; an
/// annotation such as {operation} none) and counters end in _total. <c>lifeboat.nfs.operation.duration</c> in
/// seconds is <c>lifeboat_nfs_operation_duration_seconds</c>; the counter <c>lifeboat.nfs.read</c> in bytes is
/// <c>lifeboat_nfs_read_bytes_total</c>.
/// </summary>
public static class PrometheusNames
{
    public static string Metric(string instrumentName, string? unit, bool counter)
    {
        ArgumentException.ThrowIfNullOrEmpty(instrumentName);
        var name = Sanitize(instrumentName);
        var suffix = UnitSuffix(unit, counter);
        if (suffix is not null && !name.EndsWith("_" + suffix, StringComparison.Ordinal))
            name += "_" + suffix;
        if (counter && !name.EndsWith("_total", StringComparison.Ordinal))
            name += "_total";
        return name;
    }

    /// <summary>A tag's key as a label name: lower-case letters, digits and underscores, never starting with a digit.</summary>
    public static string Label(string tagKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(tagKey);
        return Sanitize(tagKey);
    }

    private static string? UnitSuffix(string? unit, bool counter) => unit switch
    {
        null or "" => null,
        "1" => counter ? null : "ratio",
        "s" => "seconds",
        "ms" => "milliseconds",
        "By" => "bytes",
        "KiBy" => "kibibytes",
        "MiBy" => "mebibytes",
        "%" => "percent",
        _ when unit.StartsWith('{') => null,
        _ => Sanitize(unit),
    };

    private static string Sanitize(string text)
    {
        var name = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            if (c is (>= 'a' and <= 'z') or (>= '0' and <= '9'))
                name.Append(c);
            else if (c is >= 'A' and <= 'Z')
                name.Append(char.ToLowerInvariant(c));
            else if (name.Length > 0 && name[^1] != '_')
                name.Append('_');
        }

        while (name.Length > 0 && name[^1] == '_')
            name.Length--;
        if (name.Length == 0 || char.IsAsciiDigit(name[0]))
            name.Insert(0, '_');
        return name.ToString();
    }
}
