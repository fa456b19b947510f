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
}
