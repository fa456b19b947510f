using Lifeboat.FileRestore;
using Lifeboat.Hypervisors.Qemu;
using Lifeboat.Server.Hosting;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Server.FileRestore;

/// <summary>Starts libguestfs appliances, with KVM where this machine's QEMU can use it (as QemuAccelerator finds) and TCG otherwise.</summary>
public sealed class GuestfsApplianceLauncher(ServerOptions server, TimeProvider time, ILoggerFactory loggers) : IApplianceLauncher
{
    private readonly ILogger _logger = loggers.CreateLogger<FileRestoreBrowser>();
    private readonly FileRestoreApplianceOptions _options = new() { Kvm = false, BudgetMegabytes = server.FileRestoreMemoryMegabytes };

    public int Capacity => _options.BudgetMegabytes / _options.ReservedMegabytes;

    public string CapacityReason => $"{_options.BudgetMegabytes} MiB for appliances of {_options.ReservedMegabytes} MiB each";

    public async Task<IFileRestoreBrowser> OpenAsync(IReadOnlyList<GuestDrive> drives, CancellationToken cancellationToken)
    {
        var options = _options with { Kvm = QemuAccelerator.Detect(_logger) == QemuAcceleratorKind.Kvm };
        return await FileRestoreBrowser.LaunchAsync(drives, options, time, _logger, cancellationToken).ConfigureAwait(false);
    }
}
