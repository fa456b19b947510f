namespace Lifeboat.Hypervisors.Qemu.LiveBackup;

/// <summary>What a live backup of a running QEMU VM needs to know besides its monitor.</summary>
public sealed record QemuLiveBackupOptions
{
    /// <summary>The VM's name in the repository; it names the dirty bitmaps.</summary>
    public required string Vm { get; init; }

    /// <summary>A folder for the fleecing images (they hold what the guest overwrites during the backup) and the NBD socket.</summary>
    public required string WorkDirectory { get; init; }

    /// <summary>Per disk name: the bitmap the last restore point recorded, which has tracked the changes since it.</summary>
    public IReadOnlyDictionary<string, string> TrackedBitmaps { get; init; } = new Dictionary<string, string>();

    /// <summary>The QEMU run the last restore point was read from (<see cref="QemuPointInTime.SourceIdentity"/>), to explain a lost bitmap.</summary>
    public string? PreviousSourceIdentity { get; init; }

    /// <summary>The host end of the guest agent channel; null looks for one in the VM when <see cref="DiscoverGuestAgent"/>.</summary>
    public string? GuestAgentSocket { get; init; }

    public bool DiscoverGuestAgent { get; init; } = true;

    /// <summary>How long the agent may take to freeze the guest's file systems before the backup goes on crash-consistent.</summary>
    public TimeSpan FreezeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Called just before the point-in-time transaction (tests pause the VM there to copy a reference).</summary>
    internal Func<CancellationToken, Task>? BeforePointInTime { get; init; }

    /// <summary>Called just after the point-in-time transaction, before the guest is thawed.</summary>
    internal Func<CancellationToken, Task>? AfterPointInTime { get; init; }
}
