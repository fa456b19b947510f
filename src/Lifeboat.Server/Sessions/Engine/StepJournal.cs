using Lifeboat.Hypervisors.Hosts;
using Lifeboat.Hypervisors.Qemu;
using Lifeboat.Server.Data;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Server.Sessions.Engine;

/// <summary>
/// The steps of one session in the database: each is recorded as running when it starts, then as ok (with what it
/// found), failed (with why), skipped or interrupted. After a restart, a step recorded ok or skipped is not run again.
/// </summary>
internal sealed class StepJournal(SessionStore store, string sessionId, TimeProvider time, ILogger logger, Action changed)
{
    private readonly HashSet<(SessionPhase Phase, string Name)> _doneBeforeRestart = [];

    /// <summary>After a restart: the step that was running is recorded interrupted, and the ones that ended well are remembered.</summary>
    public void Resume()
    {
        store.InterruptRunningSteps(sessionId, time.GetUtcNow());
        foreach (var step in store.GetSteps(sessionId).Where(s => s.Result is StepResult.Ok or StepResult.Skipped))
            _doneBeforeRestart.Add((step.Phase, step.Name));
    }

    public bool WasDone(SessionPhase phase, string name) => _doneBeforeRestart.Contains((phase, name));

    /// <summary>The steps of <paramref name="phase"/> run again even if they ended well before the restart.</summary>
    public void Forget(SessionPhase phase) => _doneBeforeRestart.RemoveWhere(s => s.Phase == phase);

    public IReadOnlyList<SessionStep> Steps() => store.GetSteps(sessionId);

    /// <summary>Runs <paramref name="body"/> as one step, unless it ended well before a restart.</summary>
    /// <param name="shuttingDown">Whether a cancellation is the server going down (the step then stays running, to be interrupted at restart).</param>
    /// <param name="startedAt">When the step's work began, if before now (it overlaps the steps before it).</param>
    /// <exception cref="SessionStepException">The step failed; its message is the step's.</exception>
    public async Task RunAsync(
        SessionPhase phase, string name, DateTimeOffset? startedAt, Func<CancellationToken, Task<string?>> body, Func<bool> shuttingDown, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var started = startedAt is { } early && early < now ? early : now;
        var seq = store.BeginStep(sessionId, phase, name, started);
        changed();
        SessionLog.StepStarted(logger, sessionId, phase, name);
        try
        {
            var message = await body(cancellationToken).ConfigureAwait(false);
            End(phase, name, seq, started, StepResult.Ok, message);
        }
        catch (StepSkippedException skip)
        {
            End(phase, name, seq, started, StepResult.Skipped, skip.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            if (!shuttingDown())
                End(phase, name, seq, started, StepResult.Interrupted, "Stopped by request.");
            throw;
        }
        catch (Exception e)
        {
            var message = Describe(e);
            End(phase, name, seq, started, StepResult.Failed, message);
            throw e as SessionStepException ?? new SessionStepException(message, e);
        }
    }

    private void End(SessionPhase phase, string name, int seq, DateTimeOffset started, StepResult result, string? message)
    {
        var ended = time.GetUtcNow();
        store.EndStep(sessionId, seq, result, ended, message);
        changed();
        SessionLog.StepEnded(logger, sessionId, phase, name, result, (ended - started).TotalSeconds, message);
    }

    /// <summary>Errors whose message is a sentence for the user are shown as they are; others with their type.</summary>
    private static string Describe(Exception e) => e switch
    {
        SessionStepException or HostException or QemuException or QmpException or TimeoutException or Repository.RepositoryException => e.Message,
        IOException or UnauthorizedAccessException or ArgumentException or InvalidDataException => e.Message,
        _ => $"{e.GetType().Name}: {e.Message}",
    };
}
