namespace Lifeboat.Server.Inventory;

/// <summary>A path on the server's machine as a request gives it: checked before the file system or Path sees it (a NUL makes Path throw).</summary>
public static class HostPath
{
    public const int MaxLength = 4096;

    /// <returns>The sentence that names <paramref name="field"/> and says what is wrong, or null for a usable path.</returns>
    public static string? Problem(string? path, string field) =>
        string.IsNullOrWhiteSpace(path) || path.Length > MaxLength || path.Any(char.IsControl)
            ? $"{field} must be a path of 1 to {MaxLength} characters without control characters (NUL, CR, LF…)."
            : null;
}
