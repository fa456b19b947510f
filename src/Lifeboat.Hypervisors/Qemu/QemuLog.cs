using Microsoft.Extensions.Logging;

namespace Lifeboat.Hypervisors.Qemu;

internal static partial class QemuLog
{
    [LoggerMessage(1, LogLevel.Warning, "QEMU will use TCG (software emulation), several times slower than KVM: {Reason}")]
    public static partial void FallingBackToTcg(ILogger logger, string reason);

    [LoggerMessage(2, LogLevel.Information, "QEMU will use {Accelerator}: {Reason}")]
    public static partial void AcceleratorChosen(ILogger logger, QemuAcceleratorKind accelerator, string reason);

    [LoggerMessage(3, LogLevel.Debug, "Starting VM {Name}: {Binary} {Arguments}")]
    public static partial void Starting(ILogger logger, string name, string binary, string arguments);

    [LoggerMessage(4, LogLevel.Information, "VM {Name} is running as process {ProcessId} ({Accelerator}); runtime files in {Directory}")]
    public static partial void Started(ILogger logger, string name, int processId, QemuAcceleratorKind accelerator, string directory);

    [LoggerMessage(5, LogLevel.Information, "Attached to VM {Name}, process {ProcessId}")]
    public static partial void Attached(ILogger logger, string name, int processId);

    [LoggerMessage(6, LogLevel.Information, "VM {Name} (process {ProcessId}) has stopped")]
    public static partial void Stopped(ILogger logger, string name, int processId);

    [LoggerMessage(7, LogLevel.Warning, "VM {Name} (process {ProcessId}) did not quit within {Seconds} s; killing it")]
    public static partial void Killing(ILogger logger, string name, int processId, double seconds);

    [LoggerMessage(8, LogLevel.Warning, "Ignoring a QMP message: {Reason}")]
    public static partial void QmpMessageIgnored(ILogger logger, string reason);

    [LoggerMessage(9, LogLevel.Debug, "QMP connection to {SocketPath} closed: {Reason}")]
    public static partial void QmpClosed(ILogger logger, string socketPath, string reason);

    [LoggerMessage(10, LogLevel.Information, "The guest agent of VM {Name} answered after {Seconds:0.0} s")]
    public static partial void GuestAgentAnswered(ILogger logger, string name, double seconds);

    [LoggerMessage(11, LogLevel.Debug, "Connecting to the guest agent of VM {Name} again: {Reason}")]
    public static partial void GuestAgentReconnecting(ILogger logger, string name, string reason);

    [LoggerMessage(12, LogLevel.Warning, "Removing what an interrupted live backup left in QEMU: {Exports} NBD exports, {Jobs} backup jobs, {Nodes} fleecing nodes")]
    public static partial void LeftoversFound(ILogger logger, int exports, int jobs, int nodes);

    [LoggerMessage(13, LogLevel.Warning, "Tearing down the live backup: {Command} failed: {Reason}")]
    public static partial void TeardownStepFailed(ILogger logger, string command, string reason);

    [LoggerMessage(14, LogLevel.Information, "Disk {Disk}: reading only what bitmap {Bitmap} marks as changed since the last backup")]
    public static partial void BitmapTrusted(ILogger logger, string disk, string bitmap);

    [LoggerMessage(15, LogLevel.Warning, "Disk {Disk}: reading it whole because {Reason}")]
    public static partial void BitmapNotTrusted(ILogger logger, string disk, string reason);

    [LoggerMessage(16, LogLevel.Warning, "Disk {Disk}: merged bitmap(s) {Bitmaps} of an interrupted backup back into {Bitmap}, so no change is missed")]
    public static partial void BitmapsMergedBack(ILogger logger, string disk, string bitmaps, string bitmap);

    [LoggerMessage(17, LogLevel.Information, "VM {Vm}: guest file systems frozen for {Milliseconds:0.0} ms for the point in time")]
    public static partial void GuestFrozen(ILogger logger, string vm, double milliseconds);

    [LoggerMessage(18, LogLevel.Warning, "VM {Vm}: the backup is crash-consistent: {Reason}")]
    public static partial void CrashConsistent(ILogger logger, string vm, string reason);

    [LoggerMessage(19, LogLevel.Error, "VM {Vm}: thawing the guest's file systems failed: {Reason}")]
    public static partial void ThawFailed(ILogger logger, string vm, string reason);

    [LoggerMessage(20, LogLevel.Information, "VM {Vm}: point in time started for {Disks} disk(s); NBD exports on {Socket}")]
    public static partial void PointInTimeStarted(ILogger logger, string vm, int disks, string socket);

    [LoggerMessage(21, LogLevel.Warning, "VM {Vm}: the live backup failed; its bitmaps were merged back so the next backup misses nothing")]
    public static partial void PointInTimeAborted(ILogger logger, string vm);

    [LoggerMessage(22, LogLevel.Warning, "VM {Vm}: its file systems were still frozen by an interrupted backup; thawed them")]
    public static partial void ThawedLeftFrozen(ILogger logger, string vm);

    [LoggerMessage(23, LogLevel.Information, "VM {Vm}: port {Port} is taken on the libvirt host; trying port {Next} for the backup's NBD server")]
    public static partial void BackupPortTaken(ILogger logger, string vm, int port, int next);

    [LoggerMessage(24, LogLevel.Warning, "VM {Vm}: libvirt no longer defined checkpoint {Checkpoint} of the last backup, but every disk still holds its bitmap (only its metadata was deleted, by another tool or a restart of a transient domain); defined it again, so this backup reads only what changed")]
    public static partial void CheckpointRedefined(ILogger logger, string vm, string checkpoint);
}
