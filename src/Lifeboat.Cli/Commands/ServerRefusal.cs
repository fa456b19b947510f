namespace Lifeboat.Cli.Commands;

/// <summary>
/// A server's refusal as the CLI says it. The server answers one sentence (its problem details' detail) about the
/// request's fields, never naming a CLI flag or command; the CLI adds the command that lists what was not found, and
/// the flags of the fields a refusal names, where it knows them.
/// </summary>
internal static class ServerRefusal
{
    /// <summary>The command that lists what a path's route names (its name or id), by path prefix, longest first.</summary>
    private static readonly (string Prefix, string Command)[] Lists =
    [
        ("api/notifications/channels", "lifeboat notify list"),
        ("api/restore-points", "lifeboat restore-points"),
        ("api/datastores", "lifeboat datastores"),
        ("api/sessions", "lifeboat sessions"),
        ("api/tokens", "lifeboat token list"),
        ("api/users", "lifeboat user list"),
        ("api/hosts", "lifeboat hosts"),
        ("api/jobs", "lifeboat jobs"),
    ];

    /// <summary>The flags of a request's fields, by path prefix: those a command of the CLI sets.</summary>
    private static readonly (string Prefix, IReadOnlyDictionary<string, string> Flags)[] FieldFlags =
    [
        ("api/jobs", new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["vm"] = "--vm", ["schedule"] = "--schedule", ["keep-last"] = "--keep-last", ["retries"] = "--retries",
            ["verify"] = "--verify", ["repository"] = "--repo",
        }),
        ("api/sessions", new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["readyTimeoutSeconds"] = "--ready-timeout", ["host"] = "--host", ["network"] = "--network", ["name"] = "--name",
            ["redirectWritesTo"] = "--redirect-writes-to", ["migrateTo"] = "--migrate-to",
        }),
    ];

    /// <summary>The route parameters a not-found refusal names when what the route names is missing.</summary>
    private static readonly string[] RouteFields = ["name", "id", "nameOrId"];

    public static string Sentence(ApiError refused, string? path)
    {
        var detail = string.IsNullOrWhiteSpace(refused.Detail) ? $"The server refused the request ({refused.Status} {refused.Title})." : refused.Detail;
        if (path is null)
            return detail;
        if (refused.Status == 404 && RouteFields.Contains(refused.Field) && Lists.FirstOrDefault(l => path.StartsWith(l.Prefix, StringComparison.Ordinal)) is { Command: { } list })
            return $"{detail.TrimEnd('.')}; list them with `{list}`.";
        if (FieldFlags.FirstOrDefault(f => path.StartsWith(f.Prefix, StringComparison.Ordinal)).Flags is not { } flags)
            return detail;
        var named = (refused.Fields ?? []).Select(f => flags.GetValueOrDefault(f.Field)).OfType<string>().Distinct().ToList();
        return named.Count == 0 ? detail : $"{detail} ({string.Join(", ", named)})";
    }
}
