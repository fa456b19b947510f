namespace Lifeboat.Hypervisors.Qemu.GuestAgent;

/// <summary>How a program run in the guest through <c>guest-exec</c> ended.</summary>
/// <param name="ExitCode">Its exit code; null when it was killed by a signal or did not end in time.</param>
/// <param name="Signal">The signal that ended it, if one did.</param>
/// <param name="Output">Its standard output and error, as text, at most <see cref="GuestExec.MaxOutputBytes"/> bytes each.</param>
public sealed record GuestExecResult(int? ExitCode, int? Signal, string Output, string Error, bool TimedOut, bool Truncated)
{
    public bool Succeeded => ExitCode == 0;
}
