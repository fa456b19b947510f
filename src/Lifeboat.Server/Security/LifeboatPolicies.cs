namespace Lifeboat.Server.Security;

/// <summary>The authorization policies every endpoint and page names; each holds the roles with at least that right.</summary>
public static class LifeboatPolicies
{
    /// <summary>Any signed-in user or API token: reads.</summary>
    public const string Viewer = "viewer";

    /// <summary>Recover, migrate, stop, verify, run jobs.</summary>
    public const string Operator = "operator";

    /// <summary>Users, tokens, repositories, adding and removing jobs.</summary>
    public const string Admin = "admin";
}
