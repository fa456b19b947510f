namespace Lifeboat.Server.Contracts.Sessions;

/// <summary>One logged step of a session: what ran, when, for how long, and how it ended.</summary>
public sealed record SessionStep(
    int Seq,
    SessionPhase Phase,
    string Name,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    StepResult Result,
    string? Message)
{
    public double? DurationSeconds => EndedAt is { } end ? Math.Round((end - StartedAt).TotalSeconds, 3) : null;
}
