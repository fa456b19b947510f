namespace Lifeboat.Cli.Commands;

/// <summary>
/// A server's refusal as the CLI says it. The server answers one sentence (its problem details' detail) about the
/// request's fields, never naming a CLI flag or command; the CLI adds the command that lists what was not found, and
/// the flags of the fields a refusal names (<see cref="RefusalWords"/>).
/// </summary>
internal static class ServerRefusal
{
    /// <summary>The route parameters a not-found refusal names when what the route names is missing.</summary>
    private static readonly string[] RouteFields = ["name", "id", "nameOrId"];

    public static string Sentence(ApiError refused, string? path)
    {
        var detail = string.IsNullOrWhiteSpace(refused.Detail) ? $"The server refused the request ({refused.Status} {refused.Title})." : refused.Detail;
        if (path is null || RefusalWords.For(path) is not { } words)
            return detail;
        if (refused.Status == 404 && RouteFields.Contains(refused.Field) && words.List is { } list)
            return $"{detail.TrimEnd('.')}; list them with `{list}`.";
        var named = (refused.Fields ?? []).Select(f => words.Fields.GetValueOrDefault(f.Field)).OfType<string>().Distinct().ToList();
        return named.Count == 0 ? detail : $"{detail} ({string.Join(", ", named)})";
    }
}
