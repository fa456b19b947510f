namespace Lifeboat.Server.Contracts.RestorePoints;

/// <summary>How the console and the CLI word a restore point's type and consistency, the same in both.</summary>
public static class RestorePointText
{
    /// <summary>"incremental, CBT", "full, CBT" (read whole, tracked from here on) or "full, no CBT".</summary>
    public static string Type(bool incremental, bool changeTracked) =>
        incremental ? "incremental, CBT" : changeTracked ? "full, CBT" : "full, no CBT";

    /// <summary>The same in a narrow table: "incr+CBT", "full+CBT" or "full".</summary>
    public static string ShortType(bool incremental, bool changeTracked) =>
        incremental ? "incr+CBT" : changeTracked ? "full+CBT" : "full";

    /// <summary>"file-system" or "crash" for a live backup's consistency; "-" for a backup of disk files, which records none.</summary>
    public static string Consistency(string? kind) => kind switch
    {
        null => "-",
        _ when kind.EndsWith("-consistent", StringComparison.Ordinal) => kind[..^"-consistent".Length],
        _ => kind,
    };
}
