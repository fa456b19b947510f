using Lifeboat.FileRestore;
using Lifeboat.Hypervisors.Qemu;
using Lifeboat.Server.Hosting;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Server.FileRestore;

/// <summary>
/// Starts libguestfs appliances through the engine's <see cref="FileRestoreAppliances"/>, with KVM where this machine's
/// QEMU can use it (as QemuAccelerator finds) and TCG otherwise, within the server's memory budget for them.
/// </summary>
public sealed class GuestfsApplianceLauncher : IApplianceLauncher, IAsyncDisposable
{
    // The sessions close idle appliances themselves (and unpublish what they read): the pool's own sweep stays out of it.
    private static readonly TimeSpan NeverIdle = TimeSpan.FromDays(365);

    private readonly Lazy<(FileRestoreApplianceOptions Options, FileRestoreAppliances Pool)> _appliances;

    public GuestfsApplianceLauncher(ServerOptions server, TimeProvider time, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(server);
        var logger = loggers.CreateLogger<FileRestoreBrowser>();
        // Decided on first use: the KVM probe boots a tiny guest, which a server that never browses files need not do.
        _appliances = new(() =>
        {
            var options = new FileRestoreApplianceOptions
            {
                Kvm = QemuAccelerator.Detect(logger) == QemuAcceleratorKind.Kvm,
                BudgetMegabytes = server.FileRestoreMemoryMegabytes,
                IdleTimeout = NeverIdle,
            };
            if (options.ReservedMegabytes > options.BudgetMegabytes)
                options = options with { BudgetMegabytes = options.ReservedMegabytes };
            return (options, new FileRestoreAppliances(options, time, logger));
        });
    }

    public int Capacity => _appliances.Value.Options.BudgetMegabytes / _appliances.Value.Options.ReservedMegabytes;

    public string CapacityReason =>
        $"{_appliances.Value.Options.BudgetMegabytes} MiB for appliances of {_appliances.Value.Options.ReservedMegabytes} MiB each";

    public async Task<IFileRestoreBrowser> OpenAsync(IReadOnlyList<GuestDrive> drives, CancellationToken cancellationToken) =>
        await _appliances.Value.Pool.OpenAsync(drives, cancellationToken).ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        if (_appliances.IsValueCreated)
            await _appliances.Value.Pool.DisposeAsync().ConfigureAwait(false);
    }
}
