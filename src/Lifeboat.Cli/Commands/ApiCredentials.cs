using Lifeboat.Server.Contracts.Security;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// The API token the CLI sends: LIFEBOAT_TOKEN, else the token file in the server's data folder (LIFEBOAT_DATA, or
/// the folder a verb was given, default ~/.lifeboat). <see cref="Source"/> says where it looked, for the 401 sentence.
/// </summary>
internal sealed record ApiCredentials(string? Token, string Source, string? Problem)
{
    public static ApiCredentials Find(string? dataFolder = null)
    {
        if (Environment.GetEnvironmentVariable(ApiTokenFile.TokenVariable) is { Length: > 0 } token)
            return new ApiCredentials(token.Trim(), $"{ApiTokenFile.TokenVariable} from the environment", null);
        var folder = dataFolder ?? (Environment.GetEnvironmentVariable(ApiTokenFile.DataVariable) is { Length: > 0 } data ? data : ApiTokenFile.DefaultDataFolder);
        var path = ApiTokenFile.PathIn(folder);
        var source = $"{path} ({ApiTokenFile.TokenVariable} is not set)";
        try
        {
            return new ApiCredentials(File.ReadAllText(path).Trim(), source, null);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return new ApiCredentials(null, source, $"{path} does not exist");
        }
        catch (UnauthorizedAccessException)
        {
            return new ApiCredentials(null, source, $"{path} is not readable by this user (it is 0600, for the user who runs the server)");
        }
        catch (IOException e)
        {
            return new ApiCredentials(null, source, $"{path} cannot be read ({e.Message})");
        }
    }

    /// <summary>The one sentence for a 401: where the CLI looked and how to fix it.</summary>
    public string Refused(Uri server) =>
        (Problem is null
            ? $"The server at {server} refused the API token from {Source}: it is wrong or revoked."
            : $"The CLI has no API token for {server}: {Problem}.")
        + $" Set {ApiTokenFile.TokenVariable} to a token (an admin makes one with `lifeboat token create NAME --role ROLE`), or {ApiTokenFile.DataVariable} to the server's data folder.";
}
