using Lifeboat.Server.Contracts.Notifications;
using Lifeboat.Server.Contracts;
using Lifeboat.Server.Contracts.Jobs;
using Lifeboat.Server.Notifications;

namespace Lifeboat.Server.Jobs;

/// <summary>The JobFailed event of one failed attempt: its error, and when the job tries again or that it does not.</summary>
internal static class JobFailure
{
    public static NotificationEvent Event(JobSpec spec, long runId, int attempt, string error, DateTimeOffset? retryAt, DateTimeOffset at)
    {
        var next = retryAt is { } retry
            ? $"It tries again at {ZonedTime.Format(retry, seconds: false)} (attempt {attempt + 1} of {spec.Retries + 1})."
            : attempt > 1 ? $"That was its last attempt ({attempt} of {spec.Retries + 1}); the next scheduled run tries again." : "The next scheduled run tries again.";
        return new NotificationEvent(NotificationKind.JobFailed, spec.Name, $"Job {spec.Name} failed",
            $"Job {spec.Name} could not back up VM {spec.Vm} (run {runId}, attempt {attempt}): {error.TrimEnd('.')}. {next}", at, $"jobs/{Uri.EscapeDataString(spec.Name)}");
    }
}
