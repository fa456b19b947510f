using Lifeboat.Server.Contracts.Sessions;

namespace Lifeboat.Server.Api;

/// <summary>
/// A session's phases (<see cref="PhaseView"/>): each from its first step's start to its last step's end, in the order
/// the session entered them. A step may have begun before the steps recorded ahead of it ended (the VM is started
/// paused beside Initialization), so phases may overlap; their order is still the order of their steps.
/// </summary>
public static class PhaseViews
{
    /// <summary>
    /// The phases of <paramref name="steps"/>. <paramref name="working"/> is the phase the session is still at work in
    /// (<see cref="Working"/>): between two of its steps every step so far has ended, yet the phase is not done.
    /// </summary>
    public static IReadOnlyList<PhaseView> From(IReadOnlyList<SessionStep> steps, SessionPhase? working = null) =>
        [.. steps.GroupBy(s => s.Phase).Select(group =>
        {
            var list = group.ToList();
            var start = list.Min(s => s.StartedAt);
            var running = group.Key == working || list.Any(s => s.Result == StepResult.Running);
            DateTimeOffset? end = running ? null : list.Max(s => s.EndedAt);
            var result = list.Any(s => s.Result == StepResult.Failed) ? StepResult.Failed
                : running ? StepResult.Running
                : list.All(s => s.Result == StepResult.Skipped) ? StepResult.Skipped
                : StepResult.Ok;
            return (First: list.Min(s => s.Seq), View: new PhaseView(group.Key, start, end, end is { } e ? Math.Round((e - start).TotalSeconds, 3) : null, result));
        }).OrderBy(p => p.First).Select(p => p.View)];

    /// <summary>The phase a session in <paramref name="state"/> is still at work in, or null when it is between phases' work (ready, ended).</summary>
    public static SessionPhase? Working(SessionState state, SessionPhase phase) =>
        state is SessionState.Starting or SessionState.Migrating or SessionState.Stopping ? phase : null;
}
