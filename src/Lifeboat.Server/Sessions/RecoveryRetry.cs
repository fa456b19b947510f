namespace Lifeboat.Server.Sessions;

/// <summary>
/// A failed recovery asked again: the session keeps what was asked (VM, restore point, host, options), so the request is
/// rebuilt from it, with the restore point it found (not "latest" again, which may be newer by now) and a longer wait for
/// the guest, by default twice the one that ran out.
/// </summary>
public static class RecoveryRetry
{
    /// <summary>The new boot timeout offered by default: the failed session's, doubled, within the most a session may wait.</summary>
    public static double DefaultReadyTimeoutSeconds(SessionRecord failed, TimeSpan max) =>
        Math.Min(failed.ReadyTimeoutSeconds * 2, max.TotalSeconds);

    /// <exception cref="LifeboatException">The session has not failed, or is not a recovery of a VM.</exception>
    public static RecoveryRequest Request(SessionRecord failed, double readyTimeoutSeconds)
    {
        if (failed.State != SessionState.Failed)
            throw LifeboatException.Conflict($"Session {failed.Id} has not failed ({failed.State.ToString().ToLowerInvariant()}); only a failed recovery is started again.");
        if (failed.Verification is not null)
            throw LifeboatException.Conflict($"Session {failed.Id} is a verification; verify the restore point again instead.");
        if (failed.DiskRecovery is not null)
            throw LifeboatException.Conflict($"Session {failed.Id} attached a disk; attach it again instead.");
        return new RecoveryRequest
        {
            Vm = failed.Vm,
            RestorePoint = failed.RestorePointId ?? failed.RequestedRestorePoint,
            RedirectWritesTo = failed.RedirectWritesTo,
            MigrateTo = failed.Migration,
            ReadyWhen = failed.ReadyWhen,
            ReadyTimeoutSeconds = readyTimeoutSeconds,
            PowerOn = failed.PowerOn,
            Protocol = failed.Protocol,
            FirmwareConfig = failed.FirmwareConfig,
            Host = failed.HostId,
            Network = failed.Network,
            Name = failed.VmName,
        };
    }
}
