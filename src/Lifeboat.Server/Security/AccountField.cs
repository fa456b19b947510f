namespace Lifeboat.Server.Security;

/// <summary>The fields of a user's or token's request, as a refusal names them (the console shows each beside its field).</summary>
public static class AccountField
{
    public const string Name = "name";
    public const string Role = "role";
    public const string Password = "password";
    public const string NewPassword = "newPassword";
}
