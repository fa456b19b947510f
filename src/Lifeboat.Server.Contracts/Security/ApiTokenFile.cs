namespace Lifeboat.Server.Contracts.Security;

/// <summary>
/// Where the CLI finds its API token: <c>LIFEBOAT_TOKEN</c>, else the file the server writes into its data folder on
/// the first start (mode 0600, readable only by the user who runs the server).
/// </summary>
public static class ApiTokenFile
{
    public const string FileName = "api-token";

    public const string TokenVariable = "LIFEBOAT_TOKEN";

    public const string DataVariable = "LIFEBOAT_DATA";

    /// <summary>Every API token starts with this, so a leaked one is easy to recognise (and to scan for).</summary>
    public const string TokenPrefix = "lb_";

    /// <summary>The server's data folder when neither --data nor LIFEBOAT_DATA names one.</summary>
    public static string DefaultDataFolder =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".lifeboat");

    public static string PathIn(string dataFolder) => Path.Combine(dataFolder, FileName);
}
