using System.Globalization;

namespace Lifeboat.Server.Sessions;

/// <summary>Sizes and rates as the steps' messages show them.</summary>
internal static class Mib
{
    public static string Of(long bytes) => (bytes / (1024 * 1024)).ToString("N0", CultureInfo.InvariantCulture);

    public static string Rate(long bytes, TimeSpan elapsed) =>
        (bytes / (1024.0 * 1024) / Math.Max(elapsed.TotalSeconds, 0.001)).ToString("0.0", CultureInfo.InvariantCulture);
}
