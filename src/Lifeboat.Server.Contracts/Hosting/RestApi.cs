namespace Lifeboat.Server.Contracts.Hosting;

/// <summary>Where the server's REST API and console listen unless told otherwise, and where the CLI looks for them.</summary>
public static class RestApi
{
    public const int DefaultPort = 8707;

    /// <summary>The address the CLI talks to when LIFEBOAT_SERVER is not set.</summary>
    public static readonly string DefaultAddress = $"http://127.0.0.1:{DefaultPort}";
}
