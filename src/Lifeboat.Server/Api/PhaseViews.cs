using Lifeboat.Server.Contracts.Sessions;

namespace Lifeboat.Server.Api;

/// <summary>A session's phases (<see cref="PhaseView"/>): each from its first step's start to its last step's end.</summary>
public static class PhaseViews
{
    public static IReadOnlyList<PhaseView> From(IReadOnlyList<SessionStep> steps) =>
        [.. steps.GroupBy(s => s.Phase).Select(group =>
        {
            var list = group.ToList();
            var start = list.Min(s => s.StartedAt);
            var running = list.Any(s => s.Result == StepResult.Running);
            DateTimeOffset? end = running ? null : list.Max(s => s.EndedAt);
            var result = list.Any(s => s.Result == StepResult.Failed) ? StepResult.Failed
                : running ? StepResult.Running
                : list.All(s => s.Result == StepResult.Skipped) ? StepResult.Skipped
                : StepResult.Ok;
            return new PhaseView(group.Key, start, end, end is { } e ? Math.Round((e - start).TotalSeconds, 3) : null, result);
        }).OrderBy(p => p.StartedAt)];
}
