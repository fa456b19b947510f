namespace Lifeboat.MountServer.Publishing;

/// <summary>
/// Where a user may make the server, which runs as root, create folders and files: inside places an admin declared.
/// A path is judged by where it really leads: made absolute, <c>..</c> folded, and every symbolic link among the parts
/// that exist followed, so neither <c>..</c> nor a link inside a declared place leads out of it.
/// </summary>
public static class WritablePlaces
{
    public const int MaxPathLength = 4096;

    // As the kernel's ELOOP: a chain of links this long is a loop or a trap.
    private const int MaxLinks = 40;

    /// <summary>
    /// <paramref name="path"/> as it really leads when it is inside one of <paramref name="places"/>; else null and the
    /// sentence that names <paramref name="field"/>, what is wrong, and the places allowed.
    /// </summary>
    public static string? Resolve(string? path, IEnumerable<string> places, string field, out string? problem)
    {
        if (string.IsNullOrEmpty(path) || path.Length > MaxPathLength || path.Any(char.IsControl))
        {
            problem = $"{field} must be a folder's path of 1 to {MaxPathLength} characters without control characters.";
            return null;
        }

        List<string> roots;
        string real;
        try
        {
            roots = [.. places.Select(RealPath).Distinct(StringComparer.Ordinal)];
            real = RealPath(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problem = $"{field} '{path}' cannot be followed to where it leads ({e.Message}); give a plain folder's path.";
            return null;
        }

        if (roots.Any(root => IsInside(real, root)))
        {
            problem = null;
            return real;
        }

        problem = $"{field} '{path}'{(real == Path.GetFullPath(path) ? "" : $" (really {real})")} is outside the places Lifeboat may write "
            + $"({string.Join(", ", roots)}); give a folder inside one of them, or have an admin declare the place.";
        return null;
    }

    /// <summary>The absolute path with every symbolic link among its existing parts followed; the parts that do not exist yet as given.</summary>
    public static string RealPath(string path)
    {
        var parts = new Queue<string>(Path.GetFullPath(path).Split('/', StringSplitOptions.RemoveEmptyEntries));
        var current = "/";
        var links = 0;
        while (parts.TryDequeue(out var part))
        {
            var next = Path.Combine(current, part);
            var target = new FileInfo(next).LinkTarget;
            if (target is null)
            {
                current = next;
                continue;
            }

            if (++links > MaxLinks)
                throw new IOException($"'{path}' leads through more than {MaxLinks} symbolic links.");
            // The rest of the path is read again below the link's target.
            var rest = parts.ToList();
            parts = new Queue<string>([.. Path.GetFullPath(target, current).Split('/', StringSplitOptions.RemoveEmptyEntries), .. rest]);
            current = "/";
        }

        return current;
    }

    private static bool IsInside(string path, string root) =>
        path == root || path.StartsWith(root == "/" ? root : root + "/", StringComparison.Ordinal);
}
