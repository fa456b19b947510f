namespace Lifeboat.Server.Contracts.Sessions;

/// <summary>A line of a session's log: what happened beside the steps (accelerator chosen, reattached after a restart...).</summary>
public sealed record SessionLogLine(DateTimeOffset At, string Level, string Message);
