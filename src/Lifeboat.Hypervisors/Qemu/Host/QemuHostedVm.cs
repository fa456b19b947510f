using Lifeboat.Hypervisors.Hosts;
using Lifeboat.Hypervisors.Qemu.GuestAgent;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Hypervisors.Qemu.Host;

/// <summary>
/// A session VM of the embedded host: a QEMU process started in the VM's runtime folder (monitor, guest agent socket,
/// serial.log, pid file). The monitor connection is made when the VM is started or found running, and is all that
/// disposing lets go of. It can start paused before its disks are published, and get them over QMP (<see cref="IPausedStart"/>).
/// </summary>
public sealed class QemuHostedVm : IHostedVm, IPausedStart
{
    private readonly HostedVmSpec _spec;
    private readonly string _qemuBinary;
    private readonly ILogger _logger;
    private readonly QemuVmPaths _paths;
    private QemuVm? _vm;
    private Exception? _attachError;

    internal QemuHostedVm(HostedVmSpec spec, string qemuBinary, ILogger logger)
    {
        _spec = spec;
        _qemuBinary = qemuBinary;
        _logger = logger;
        _paths = new QemuVmPaths(spec.RuntimeFolder);
        Migration = new QemuDiskMigration(this, spec.RuntimeFolder, spec.Vm.Name);
        Hotplug = new QemuDiskHotplug(this);
    }

    /// <summary>The runtime folder.</summary>
    public string Reference => _spec.RuntimeFolder;

    public string Name => _spec.Vm.Name;

    public string ConsoleLogPath => _paths.SerialLog;

    public bool IsRunning => QemuRuntimeFolder.RunningProcess(_spec.RuntimeFolder) is not null;

    public IDiskMigration Migration { get; }

    public IDiskHotplug Hotplug { get; }

    public string? WhyNotPaused => QemuPausedStart.WhyNot(_spec.Vm);

    public async Task<string> StartAsync(CancellationToken cancellationToken)
    {
        var again = await RemovePausedLeftoverAsync(cancellationToken).ConfigureAwait(false);
        if (IsRunning)
        {
            var running = await MonitorAsync(cancellationToken).ConfigureAwait(false);
            return $"already running as process {running.ProcessId}";
        }

        await ReleaseMonitorAsync().ConfigureAwait(false);
        var launcher = new QemuLauncher(_logger) { QemuBinary = _qemuBinary };
        _vm = await launcher.StartAsync(_spec.Vm, _spec.RuntimeFolder, cancellationToken).ConfigureAwait(false);
        return $"process {_vm.ProcessId}, {QemuAccelerator.Detect(_logger).ToString().ToUpperInvariant()}{again}";
    }

    public async Task<string> StartPausedAsync(CancellationToken cancellationToken)
    {
        var again = await RemovePausedLeftoverAsync(cancellationToken).ConfigureAwait(false);
        if (IsRunning)
            throw new HostException($"VM {Name} already runs in {_spec.RuntimeFolder}; stop the session and recover again.");
        await ReleaseMonitorAsync().ConfigureAwait(false);
        var launcher = new QemuLauncher(_logger) { QemuBinary = _qemuBinary };
        _vm = await launcher.StartPausedAsync(_spec.Vm, _spec.RuntimeFolder, cancellationToken).ConfigureAwait(false);
        return $"process {_vm.ProcessId}, {QemuAccelerator.Detect(_logger).ToString().ToUpperInvariant()}, CPUs stopped, no disks yet{again}";
    }

    public async Task<string> RunWithDisksAsync(IReadOnlyList<string> diskSources, CancellationToken cancellationToken)
    {
        var planned = _spec.Vm.Disks;
        if (diskSources.Count != planned.Count)
            throw new HostException($"VM {Name} was started for {planned.Count} disk(s) and is given {diskSources.Count}; stop the session and recover again.");
        var vm = await MonitorAsync(cancellationToken).ConfigureAwait(false);
        var description = _spec.Vm with { Disks = [.. planned.Select((disk, i) => disk with { Source = diskSources[i] })] };
        try
        {
            return await QemuPausedStart.RunAsync(vm, description, cancellationToken).ConfigureAwait(false);
        }
        catch (QemuException e)
        {
            throw new HostException(e.Message, e);
        }
    }

    public async Task<HostedVmStatus> QueryStatusAsync(CancellationToken cancellationToken)
    {
        var vm = await MonitorAsync(cancellationToken).ConfigureAwait(false);
        var status = await vm.QueryStatusAsync(cancellationToken).ConfigureAwait(false);
        return new HostedVmStatus(status.Running, status.Status);
    }

    public async Task WaitForAgentAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var vm = await MonitorAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await vm.WaitForAgentAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (QemuException e)
        {
            throw new HostException(e.Message, e);
        }
    }

    public async Task<string> WaitForConsoleAsync(string text, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var vm = await MonitorAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await vm.WaitForConsoleAsync(text, timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (QemuException e)
        {
            throw new HostException(e.Message, e);
        }
    }

    public async Task<GuestExecResult> ExecAsync(string path, IReadOnlyList<string> arguments, byte[]? input, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await using var agent = await QemuGuestAgentClient.ConnectAsync(_paths.GuestAgentSocket, cancellationToken).ConfigureAwait(false);
        return await GuestExec.RunAsync(agent, path, arguments, input, timeout, cancellationToken).ConfigureAwait(false);
    }

    public async Task TakeScreenshotAsync(string pngPath, CancellationToken cancellationToken)
    {
        var vm = await MonitorAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await QemuScreenshot.TakeAsync(vm, pngPath, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is QmpException or InvalidDataException)
        {
            throw new HostException(e.Message, e);
        }
    }

    /// <summary>QEMU is told to quit (killed after <paramref name="timeout"/>); one whose monitor does not answer is killed.</summary>
    public async Task<string> PowerOffAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!IsRunning)
            return "the VM is not running";
        if (_vm is null)
        {
            await TryAttachAsync(cancellationToken).ConfigureAwait(false);
            if (_vm is null)
            {
                if (!await QemuRuntimeFolder.KillAsync(_spec.RuntimeFolder, cancellationToken).ConfigureAwait(false))
                    throw new HostException($"The VM's QEMU in {_spec.RuntimeFolder} did not die; kill it by hand.");
                return $"its monitor did not answer ({_attachError?.Message}); QEMU was killed";
            }
        }

        await _vm.QuitAsync(timeout, cancellationToken).ConfigureAwait(false);
        await ReleaseMonitorAsync().ConfigureAwait(false);
        return "QEMU quit";
    }

    public async Task<string> UndefineAsync(CancellationToken cancellationToken)
    {
        await ReleaseMonitorAsync().ConfigureAwait(false);
        if (!Directory.Exists(_spec.RuntimeFolder))
            return $"{_spec.RuntimeFolder} was already gone";
        Directory.Delete(_spec.RuntimeFolder, recursive: true);
        return $"removed {_spec.RuntimeFolder}";
    }

    /// <summary>The QEMU process goes on as it is; its monitor is freed for whoever runs it from now on.</summary>
    public async Task<string> HandOverAsync(CancellationToken cancellationToken)
    {
        await ReleaseMonitorAsync().ConfigureAwait(false);
        return $"QEMU runs on from the production files in {_spec.RuntimeFolder}, its monitor free";
    }

    public ValueTask DisposeAsync() => new(ReleaseMonitorAsync());

    /// <summary>Connects to the monitor of a VM that runs; remembers why when it cannot.</summary>
    internal async Task TryAttachAsync(CancellationToken cancellationToken)
    {
        if (_vm is not null || !IsRunning)
            return;
        try
        {
            _vm = await QemuVm.AttachAsync(_spec.RuntimeFolder, _logger, cancellationToken).ConfigureAwait(false);
            _attachError = null;
        }
        catch (Exception e) when (e is IOException or QemuException or QmpException)
        {
            _attachError = e;
        }
    }

    /// <summary>The connected VM's monitor, connecting first when the VM runs and is not connected yet.</summary>
    /// <exception cref="HostException">The VM does not run, or its monitor does not answer.</exception>
    internal async Task<QemuVm> MonitorAsync(CancellationToken cancellationToken)
    {
        if (_vm is { IsRunning: true } attached)
            return attached;
        await ReleaseMonitorAsync().ConfigureAwait(false);
        await TryAttachAsync(cancellationToken).ConfigureAwait(false);
        return _vm ?? throw new HostException(_attachError is null
            ? $"VM {Name} does not run (runtime folder {_spec.RuntimeFolder}); stop the session and recover again."
            : $"The monitor of VM {Name} does not answer ({_attachError.Message.TrimEnd('.')}); stop the session and recover again.");
    }

    /// <summary>
    /// A QEMU started paused whose disks never came (the server restarted in between) never ran the guest: it is
    /// killed, so that the VM starts from the beginning. Says so, or returns an empty text.
    /// </summary>
    private async Task<string> RemovePausedLeftoverAsync(CancellationToken cancellationToken)
    {
        if (!IsRunning)
            return "";
        var vm = await MonitorAsync(cancellationToken).ConfigureAwait(false);
        if ((await vm.QueryStatusAsync(cancellationToken).ConfigureAwait(false)).Status != QemuPausedStart.Prelaunch)
            return "";
        await vm.KillAsync(cancellationToken).ConfigureAwait(false);
        await ReleaseMonitorAsync().ConfigureAwait(false);
        return $"; the QEMU started paused before (process {vm.ProcessId}) never ran and was killed";
    }

    private async Task ReleaseMonitorAsync()
    {
        if (_vm is not null)
            await _vm.DisposeAsync().ConfigureAwait(false);
        _vm = null;
    }
}
