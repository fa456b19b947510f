using Lifeboat.FileRestore;
using Lifeboat.Hypervisors.Qemu;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Server.FileRestore;

/// <summary>Starts libguestfs appliances, with KVM where this machine's QEMU can use it (as QemuAccelerator finds) and TCG otherwise.</summary>
public sealed class GuestfsApplianceLauncher(TimeProvider time, ILoggerFactory loggers) : IApplianceLauncher
{
    private readonly ILogger _logger = loggers.CreateLogger<FileRestoreBrowser>();

    public async Task<IFileRestoreBrowser> OpenAsync(IReadOnlyList<GuestDrive> drives, CancellationToken cancellationToken)
    {
        var options = new FileRestoreApplianceOptions { Kvm = QemuAccelerator.Detect(_logger) == QemuAcceleratorKind.Kvm };
        return await FileRestoreBrowser.LaunchAsync(drives, options, time, _logger, cancellationToken).ConfigureAwait(false);
    }
}
