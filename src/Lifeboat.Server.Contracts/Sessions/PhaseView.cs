namespace Lifeboat.Server.Contracts.Sessions;

/// <summary>A phase of a session: from its first step's start to its last step's end.</summary>
public sealed record PhaseView(SessionPhase Phase, DateTimeOffset StartedAt, DateTimeOffset? EndedAt, double? DurationSeconds, StepResult Result);
