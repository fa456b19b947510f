namespace Lifeboat.Server.Sessions;

/// <summary>Marks a session as a verification (isolated, never migrated, torn down at the end) and says what it checks.</summary>
public sealed record VerificationPlan(IReadOnlyList<VerificationCheck> Checks, double TimeoutSeconds);
