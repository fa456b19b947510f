namespace Lifeboat.Server.Contracts.Security;

/// <summary>
/// The body of <c>POST /api/users/{name}/password</c>. <paramref name="CurrentPassword"/> is needed when users change
/// their own password; an admin setting someone else's leaves it out.
/// </summary>
public sealed record ChangePasswordRequest(string NewPassword, string? CurrentPassword = null);
