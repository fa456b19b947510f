using Microsoft.Extensions.Logging;

namespace Lifeboat.Hypervisors.Qemu.LiveBackup;

/// <summary>
/// What a point in time does alike whoever serves it (QEMU directly, <see cref="QemuPointInTime"/>, or libvirt's
/// backup API): it works in one <see cref="LiveBackupWorkFolder"/>, keeps what the backup reads (disks, consistency,
/// hardware, which run of the VM), is aborted when its start fails, and ends once, completed or aborted, releasing the
/// work folder either way. A subclass says how its hypervisor starts the point in time and ends it each way.
/// </summary>
public abstract class LivePointInTime : ILivePointInTime
{
    private bool _ended;

    private protected LivePointInTime(QemuLiveBackupOptions options, LiveBackupWorkFolder work, ILogger logger)
    {
        Options = options with { WorkDirectory = work.Path };
        Work = work;
        Logger = logger;
    }

    public abstract LiveBackupNbdServer NbdServer { get; }

    public IReadOnlyList<LiveBackupDisk> Disks => StartedDisks;

    /// <summary><see cref="ConsistencyKinds.FileSystem"/> or <see cref="ConsistencyKinds.Crash"/>.</summary>
    public string Consistency { get; private protected set; } = ConsistencyKinds.Crash;

    /// <summary>How long the guest's file systems were frozen, or null when they were not.</summary>
    public double? FrozenMilliseconds { get; private protected set; }

    /// <summary>Why the point in time is only crash-consistent.</summary>
    public string? CrashConsistentReason { get; private protected set; }

    public string? SourceIdentity { get; private protected set; }

    public string HardwareText { get; private protected set; } = "";

    private protected QemuLiveBackupOptions Options { get; }

    private protected LiveBackupWorkFolder Work { get; }

    private protected ILogger Logger { get; }

    private protected List<LiveBackupDisk> StartedDisks { get; } = [];

    /// <summary>The step named in the log when ending an aborted point in time fails.</summary>
    private protected abstract string TeardownStep { get; }

    /// <summary>The backup was committed: ends the point in time and keeps only what tracks changes from now on.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_ended, this);
        _ended = true;
        try
        {
            await EndCompletedAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Work.Dispose();
        }
    }

    /// <summary>The backup failed: ends the point in time and gives its changes back, so the next backup misses nothing.</summary>
    public async Task AbortAsync()
    {
        if (_ended)
        {
            return;
        }

        _ended = true;
        try
        {
            // Not cancellable: whatever cancelled the backup must not leave its point in time in the VM.
            if (await EndAbortedAsync().ConfigureAwait(false))
            {
                QemuLog.PointInTimeAborted(Logger, Options.Vm);
            }
        }
        catch (Exception ex) when (IsTeardownFailure(ex))
        {
            // The failure that led here explains more; the next backup removes what is left.
            QemuLog.TeardownStepFailed(Logger, TeardownStep, ex.Message);
        }
        finally
        {
            Work.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await AbortAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    /// <summary>Leaves everything in the VM as a killed backup would (tests check that the next backup cleans up).</summary>
    internal void Abandon()
    {
        _ended = true;
        Work.Abandon();
    }

    /// <summary>Starts <paramref name="pointInTime"/>; one that fails to start is aborted before the failure goes on.</summary>
    private protected static async Task<T> StartOrAbortAsync<T>(T pointInTime, CancellationToken cancellationToken)
        where T : LivePointInTime
    {
        try
        {
            await pointInTime.StartCoreAsync(cancellationToken).ConfigureAwait(false);
            return pointInTime;
        }
        catch
        {
            await pointInTime.AbortAsync().ConfigureAwait(false);
            throw;
        }
    }

    private protected abstract Task StartCoreAsync(CancellationToken cancellationToken);

    private protected abstract Task EndCompletedAsync(CancellationToken cancellationToken);

    /// <returns>Whether a point in time had been started, whose changes are now given back.</returns>
    private protected abstract Task<bool> EndAbortedAsync();

    /// <summary>A failure of ending an aborted point in time that is logged, not thrown.</summary>
    private protected abstract bool IsTeardownFailure(Exception exception);
}
