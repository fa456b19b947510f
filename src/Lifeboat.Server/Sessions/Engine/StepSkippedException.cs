namespace Lifeboat.Server.Sessions.Engine;

/// <summary>Thrown by a step body that has nothing to do; the step is recorded as skipped with this reason.</summary>
internal sealed class StepSkippedException(string reason) : Exception(reason);
