using Lifeboat.Hypervisors.Hosts;
using Lifeboat.Hypervisors.Qemu;
using Lifeboat.MountServer.Publishing;
using Lifeboat.Server.Sessions.Engine;

namespace Lifeboat.Server.Sessions;

/// <summary>
/// The session's VM as every workflow reaches it: on the host the session names, through <see cref="IHypervisorHost"/>
/// alone; defined, found again after a restart, and let go of.
/// </summary>
internal sealed class SessionVm(SessionEngine engine, SessionServices services) : IAsyncDisposable
{
    private IHostedVm? _vm;

    public SessionRecord Session => engine.Session;

    /// <summary>The VM once defined or found again; null before, and after it was undefined.</summary>
    public IHostedVm? Current => Volatile.Read(ref _vm);

    /// <exception cref="SessionStepException">The inventory has no host of the session's name.</exception>
    public IHypervisorHost Host => services.Hosts.Get(Session.HostId);

    /// <summary>What the session saved to find its VM again; the runtime folder for sessions recorded before references were.</summary>
    public string? Reference => Session.VmReference ?? Session.RuntimeDirectory;

    /// <summary>What the session asks its host to run: the recorded hardware, its disks on the mount server.</summary>
    public HostedVmSpec Spec()
    {
        var session = Session;
        var name = NameOf(session);
        // On a libvirt host a verification runs beside the VM it verifies, often under its name: it gets its own.
        if (session.Verification is not null && session.VmName is null && Host.Kind == HostKinds.Libvirt)
            name = VmName($"{session.Vm}-verify-{session.Id}");
        var description = RecordedVm.Describe(name, session.Hardware, session.DiskUrls.Count > 0 ? session.DiskUrls : PlannedDiskUrls(session))
            with { FirmwareConfig = session.FirmwareConfig };
        // A verification boots in isolation: no network at all, and a display so that its console can be kept as a picture.
        if (session.Verification is not null)
            description = description with { Nic = QemuNicModel.None, Display = true };
        else if (Host.Kind == HostKinds.Libvirt && session.Network is null)
            description = description with { Nic = QemuNicModel.None };
        return new HostedVmSpec
        {
            Vm = description,
            SessionId = session.Id,
            RestorePointId = session.RestorePointId ?? "",
            RuntimeFolder = services.Data.VmRuntime(session.Id),
            Network = session.Verification is null ? session.Network : null,
        };
    }

    /// <summary>
    /// Before the VM is published its disks have no URLs yet; the host is still asked whether it can open disks of that
    /// protocol, one per disk of the restore point, on the mount server.
    /// </summary>
    private static string[] PlannedDiskUrls(SessionRecord session) =>
        [.. session.DiskSizes.Select((_, i) => session.Protocol == DiskProtocols.Nbd ? $"nbd://mount-server/disk{i}" : $"nfs://mount-server/lifeboat/{session.Vm}/disk{i}.raw")];

    public async Task<IHostedVm> DefineAsync(CancellationToken cancellationToken)
    {
        var spec = Spec();
        await ReleaseAsync().ConfigureAwait(false);
        var vm = await Host.DefineAsync(spec, cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _vm, vm);
        engine.Save(s => s with { RuntimeDirectory = spec.RuntimeFolder, VmReference = vm.Reference });
        return vm;
    }

    /// <summary>The VM as this server holds it, or found again on its host; null when it was never defined or is gone.</summary>
    public async Task<IHostedVm?> FindAsync(CancellationToken cancellationToken)
    {
        if (Current is { } held)
            return held;
        if (Reference is not { } reference)
            return null;
        var found = await Host.FindAsync(reference, Spec(), cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _vm, found);
        return found;
    }

    /// <exception cref="SessionStepException">The VM does not run.</exception>
    public IHostedVm RequireRunning() => Current is { IsRunning: true } vm
        ? vm
        : throw new SessionStepException($"The VM of session {Session.Id} is not running; stop the session and recover again.");

    /// <summary>After a restart: finds the session's VM again, and says whether it still runs.</summary>
    public async Task ReattachAsync(bool wasStarted, CancellationToken cancellationToken)
    {
        if (Current is not null || Reference is null)
            return;
        var vm = await FindAsync(cancellationToken).ConfigureAwait(false);
        if (vm is { IsRunning: true })
            engine.Note($"Reattached to the VM {vm.Name} on host {Host.Name}, still running.");
        else if (wasStarted)
            engine.Warn($"The VM is not running any more (runtime folder {Session.RuntimeDirectory}).");
    }

    /// <summary>Lets go of the VM (connections); it stays as it is on its host.</summary>
    public async Task ReleaseAsync()
    {
        var vm = Interlocked.Exchange(ref _vm, null);
        if (vm is not null)
            await vm.DisposeAsync().ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => new(ReleaseAsync());

    /// <summary>The name the session's VM runs under on the local QEMU host, or on a libvirt host unless it is a verification.</summary>
    public static string NameOf(SessionRecord session) => session.VmName ?? VmName(session.Publication ?? session.Vm);

    /// <summary>VM names are letters, digits, '.', '_' and '-' only.</summary>
    private static string VmName(string name)
    {
        var chars = name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '-').Take(64).ToArray();
        return chars.Length == 0 ? "vm" : new string(chars);
    }
}
