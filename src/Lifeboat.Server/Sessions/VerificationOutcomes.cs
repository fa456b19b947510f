using Lifeboat.Server.Metrics;
using Lifeboat.Server.Sessions.Engine;

namespace Lifeboat.Server.Sessions;

/// <summary>
/// What a verification holds and leaves: its slot among the verifications booting at once, and its outcome, kept in the
/// session and per restore point. Shared by the verification and the teardown that ends it.
/// </summary>
internal sealed class VerificationOutcomes(SessionEngine engine, SessionServices services)
{
    private IDisposable? _slot;

    public bool HoldsSlot => _slot is not null;

    public async Task<string> AcquireSlotAsync(CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var memory = (int)Math.Min(int.MaxValue, engine.Session.Hardware?.MemoryMiB ?? 256);
        _slot = await services.VerificationSlots.AcquireAsync(memory, engine.Time, cancellationToken).ConfigureAwait(false);
        return $"waited {clock.Elapsed.TotalSeconds:0.0} s ({services.VerificationSlots.Count} verification(s) boot at once on this host)";
    }

    public VerificationOutcome Outcome(bool passed, string? reason, IReadOnlyList<CheckResult> checks, string? screenshot)
    {
        var steps = engine.Steps();
        return new VerificationOutcome
        {
            Passed = passed,
            Reason = reason,
            RecoverySeconds = engine.Session.RecoverySeconds,
            Phases = [.. Api.PhaseViews.From(steps).Where(p => p.DurationSeconds is not null).Select(p => new PhaseDuration(p.Phase, p.DurationSeconds!.Value))],
            Checks = [.. checks],
            Screenshot = screenshot,
            VerifiedAt = engine.Now,
        };
    }

    public void Save(VerificationOutcome outcome)
    {
        engine.Save(s => s with { Outcome = outcome });
        services.Verifications.Save(engine.Session, outcome);
        ServerMetrics.Verifications.Add(outcome.Passed ? VerificationResult.Passed : VerificationResult.Failed);
        engine.Note($"Verification {(outcome.Passed ? "passed" : "failed")}: {outcome.Summary}");
        if (!outcome.Passed)
            services.Notifications.Publish(VerificationFailure.Event(engine.Session, outcome));
    }

    /// <summary>
    /// After the teardown, before the session ends: a verification stopped before its outcome was known counts as
    /// failed, and the slot is freed once its VM is gone.
    /// </summary>
    public void End()
    {
        if (engine.Session.Verification is not null && engine.Session.Outcome is null)
            Save(Outcome(passed: false, "Stopped by request before the verification ended.", [], null));
        _slot?.Dispose();
        _slot = null;
    }
}
