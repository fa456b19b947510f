namespace Lifeboat.Server.Contracts.Sessions;

/// <summary>What a verification found: whether the restore point booted and passed its checks, how long each part took.</summary>
public sealed record VerificationOutcome
{
    public required bool Passed { get; init; }

    /// <summary>Why it failed, in one sentence that names the step, the damaged chunk or the check; null when it passed.</summary>
    public string? Reason { get; init; }

    /// <summary>From the start of the verification to the guest answering.</summary>
    public double? RecoverySeconds { get; init; }

    public IReadOnlyList<PhaseDuration> Phases { get; init; } = [];

    public IReadOnlyList<CheckResult> Checks { get; init; } = [];

    /// <summary>The console as a PNG picture, kept in the server's data folder; null when none could be taken.</summary>
    public string? Screenshot { get; init; }

    /// <summary>The end of the serial console when the verification failed.</summary>
    public string? ConsoleTail { get; init; }

    public DateTimeOffset VerifiedAt { get; init; }

    /// <summary>One line for a table: "booted in 8.4 s, 2 checks passed" or "failed: …".</summary>
    public string Summary
    {
        get
        {
            if (!Passed)
                return "failed: " + (Reason ?? "unknown");
            var booted = RecoverySeconds is { } seconds ? $"booted in {seconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)} s" : "booted";
            return Checks.Count == 0 ? booted : $"{booted}, {Checks.Count} check{(Checks.Count == 1 ? "" : "s")} passed";
        }
    }
}

public sealed record PhaseDuration(SessionPhase Phase, double Seconds);

public sealed record CheckResult(string Name, bool Passed, int? ExitCode, bool TimedOut, string Output, string Error, double Seconds);
