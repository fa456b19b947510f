namespace Lifeboat.Server.Contracts.Security;

/// <summary>The three roles, each allowed what the one before it is and more.</summary>
public static class LifeboatRoles
{
    /// <summary>Reads everything, changes nothing.</summary>
    public const string Viewer = "viewer";

    /// <summary>Viewer, and recovers, migrates, stops, verifies and runs jobs.</summary>
    public const string Operator = "operator";

    /// <summary>Operator, and manages users, tokens, repositories and jobs.</summary>
    public const string Admin = "admin";

    public static IReadOnlyList<string> All { get; } = [Viewer, Operator, Admin];

    public static bool IsRole(string? role) => role is Viewer or Operator or Admin;

    /// <summary>The roles that hold at least <paramref name="role"/>'s rights.</summary>
    public static string[] AtLeast(string role) => role switch
    {
        Viewer => [Viewer, Operator, Admin],
        Operator => [Operator, Admin],
        Admin => [Admin],
        _ => throw new ArgumentException($"'{role}' is not a role; use viewer, operator or admin."),
    };
}
