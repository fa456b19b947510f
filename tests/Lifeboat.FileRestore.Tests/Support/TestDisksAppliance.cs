using Lifeboat.Hypervisors.Qemu;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lifeboat.FileRestore.Tests.Support;

/// <summary>One appliance per test class over the first version of the test disks, served read-only by qemu-nbd.</summary>
public sealed class TestDisksAppliance : IAsyncLifetime
{
    private readonly List<QemuNbdExport> _exports = [];

    public static bool Kvm => QemuAccelerator.Detect() == QemuAcceleratorKind.Kvm;

    public GuestFileSystemsDisks Disks { get; } = GuestFileSystemsDisks.Get(RepositoryRoot.Find(), Kvm);

    public FileRestoreBrowser Browser { get; private set; } = null!;

    public TimeSpan LaunchTime { get; private set; }

    public async Task InitializeAsync()
    {
        _exports.Add(QemuNbdExport.Start(Disks.Disk0, "disk0"));
        _exports.Add(QemuNbdExport.Start(Disks.Disk1, "disk1"));
        var started = System.Diagnostics.Stopwatch.StartNew();
        Browser = await FileRestoreBrowser.LaunchAsync(
            _exports.ConvertAll(export => new GuestDrive(export.Url)),
            new FileRestoreApplianceOptions { Kvm = Kvm },
            TimeProvider.System,
            NullLogger.Instance,
            CancellationToken.None);
        LaunchTime = started.Elapsed;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
            await Browser.DisposeAsync();
        foreach (var export in _exports)
            export.Dispose();
    }
}
