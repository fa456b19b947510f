namespace Lifeboat.Server.Contracts.Dashboard;

/// <summary>A failed job run or verification, with where to act on it.</summary>
/// <param name="Kind"><see cref="JobRun"/> or <see cref="Verification"/>.</param>
/// <param name="Subject">The job's name, or the verification's session id.</param>
/// <param name="Error">Why it failed, as it was recorded.</param>
/// <param name="ConsolePath">The console page to act on it, relative to the console's root ("jobs/nightly").</param>
public sealed record FailureView(string Kind, string Subject, string Vm, DateTimeOffset At, string Error, string ConsolePath)
{
    public const string JobRun = "job";
    public const string Verification = "verification";
}
