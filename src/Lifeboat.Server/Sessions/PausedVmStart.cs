using System.Diagnostics;
using System.Globalization;
using Lifeboat.Hypervisors.Hosts;
using Lifeboat.Hypervisors.Qemu;
using Lifeboat.Server.Sessions.Engine;

namespace Lifeboat.Server.Sessions;

/// <summary>
/// The session's VM defined, and its process started with its CPUs stopped, as soon as the restore point's hardware is
/// known: beside the rest of Initialization and NFS mapping instead of after them. "Define the VM" then takes it (the
/// step is recorded from when this began, so it overlaps the steps before it, and its message says so), and "Power on
/// the VM" gives it its published disks and lets it run. When the host cannot (libvirt opens a domain's disks as it
/// starts it) or the start failed, the VM is defined and started once published, as before.
/// </summary>
internal sealed class PausedVmStart(SessionEngine engine, SessionVm vm)
{
    private static readonly TimeSpan PowerOffTimeout = TimeSpan.FromSeconds(10);

    private Task<Started?>? _start;
    private string? _failure;

    private sealed record Started(IHostedVm Vm, IPausedStart Paused, string Said, double Seconds);

    /// <summary>When the start began, or null when none did: "Define the VM" is recorded from then.</summary>
    public DateTimeOffset? BeganAt { get; private set; }

    /// <summary>The VM started paused, once "Define the VM" took it; null when it runs the usual way.</summary>
    public IPausedStart? Paused { get; private set; }

    /// <summary>Begins the start unless the VM is not to be powered on, was defined before a restart, or its host cannot.</summary>
    public void Begin(CancellationToken cancellationToken)
    {
        if (_start is not null || !engine.Session.PowerOn || engine.WasDone(SessionPhase.RegisteringAndStarting, RecoveryWorkflow.DefineStep))
            return;
        HostedVmSpec spec;
        try
        {
            spec = vm.Spec();
            if (vm.Host.WhyNotStartPaused(spec) is not null)
                return;
        }
        catch (SessionStepException)
        {
            // No such host: "Check the host" says so.
            return;
        }

        BeganAt = engine.Now;
        _start = Task.Run(() => StartAsync(cancellationToken), CancellationToken.None);
    }

    /// <summary>
    /// In "Define the VM": the VM started paused if it is still the one to run (the name it runs under is known only
    /// once published), else defines it the usual way. Returns what the step adds to its message.
    /// </summary>
    public async Task<string> DefineAsync(CancellationToken cancellationToken)
    {
        var started = _start is null ? null : await _start.ConfigureAwait(false);
        if (started is not null && started.Vm.Name == vm.Spec().Vm.Name)
        {
            Paused = started.Paused;
            var after = (engine.Now - BeganAt!.Value).TotalSeconds;
            return $"defined and started paused beside Initialization and NFS mapping (this step overlaps them; {Seconds(after)} s in all), " +
                $"its disks given once published: {started.Said}, in {Seconds(started.Seconds)} s";
        }

        var why = started is not null
            ? $"the VM started paused as {started.Vm.Name} runs as {vm.Spec().Vm.Name} once published ({await started.Vm.PowerOffAsync(PowerOffTimeout, cancellationToken).ConfigureAwait(false)}), so it starts again"
            : _failure is not null ? $"starting it paused failed ({_failure.TrimEnd('.')}), so it starts once published" : null;
        await vm.DefineAsync(cancellationToken).ConfigureAwait(false);
        return why ?? (vm.Host.WhyNotStartPaused(vm.Spec()) is { } cannot ? $"started once published: {cannot}" : "");
    }

    /// <summary>After a failure or a stop: waits for a start still under way, so the clean-up finds the VM it made.</summary>
    public async Task SettleAsync()
    {
        if (_start is null)
            return;
        try
        {
            await _start.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Cancelled with the operation, or failed: the clean-up powers off whatever was started.
        }
    }

    private async Task<Started?> StartAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            var hosted = await vm.DefineAsync(cancellationToken).ConfigureAwait(false);
            if (hosted is not IPausedStart paused)
            {
                _failure = $"host {vm.Host.Name} cannot start a VM paused";
                return null;
            }

            if (paused.WhyNotPaused is { } why)
            {
                _failure = why;
                return null;
            }

            var said = await paused.StartPausedAsync(cancellationToken).ConfigureAwait(false);
            return new Started(hosted, paused, said, clock.Elapsed.TotalSeconds);
        }
        catch (Exception e) when (e is HostException or QemuException or QmpException or SessionStepException or IOException or ArgumentException)
        {
            _failure = e.Message;
            return null;
        }
    }

    private static string Seconds(double seconds) => seconds.ToString("0.00", CultureInfo.InvariantCulture);
}
