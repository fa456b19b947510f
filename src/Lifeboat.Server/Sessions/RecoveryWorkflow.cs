using Lifeboat.Hypervisors.Hosts;
using Lifeboat.MountServer.Publishing;
using Lifeboat.Server.Sessions.Engine;

namespace Lifeboat.Server.Sessions;

/// <summary>
/// Initialization, NFS mapping, registering and starting: from the request to a guest that answers; then the
/// verification, or the migration asked for with the recovery.
/// </summary>
internal sealed class RecoveryWorkflow(
    SessionEngine engine,
    SessionVm vm,
    SessionServices services,
    VerificationWorkflow verification,
    MigrationWorkflow migration,
    StopWorkflow stop)
{
    /// <summary>The step after which the VM ran: a VM found stopped after a restart is then worth a warning.</summary>
    public const string PowerOnStep = "Power on the VM";

    /// <summary>The step that defines the VM on its host (started beside Initialization when the host can, see <see cref="PausedVmStart"/>).</summary>
    public const string DefineStep = "Define the VM";

    private readonly RecoveryChecks _checks = new(engine, vm, services);
    private readonly PausedVmStart _paused = new(engine, vm);
    private readonly BootProfileSteps _bootProfile = new(engine, services);
    private DateTimeOffset? _guestAnsweredAt;
    private volatile bool _poweredOn;

    /// <summary>
    /// The VM's process was started paused beside Initialization and has not been powered on: it exists, but its guest
    /// does not run, and users are told so.
    /// </summary>
    public bool HoldsPausedVm => _paused.BeganAt is not null && !_poweredOn;

    private SessionRecord Session => engine.Session;

    private bool IsVerification => Session.Verification is not null;

    public async Task RecoverAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (IsVerification)
                await verification.WaitForSlotAsync(cancellationToken).ConfigureAwait(false);
            // Until the publication holds the repository's lock, a job's retention must not remove what this session found.
            using (await services.Retention.EnterRecoveryAsync(cancellationToken).ConfigureAwait(false))
            {
                await _checks.RunAsync(() => _paused.Begin(cancellationToken), cancellationToken).ConfigureAwait(false);
                await MapAsync(cancellationToken).ConfigureAwait(false);
            }

            await RegisterAndStartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The stop that follows powers off the VM started paused: it must have started (or given up) by then.
            await _paused.SettleAsync().ConfigureAwait(false);
            throw;
        }
        catch (SessionStepException e)
        {
            await _paused.SettleAsync().ConfigureAwait(false);
            if (IsVerification)
                await verification.FailAsync(e.Message, [], null).ConfigureAwait(false);
            else
                await stop.FailAsync(e.Message).ConfigureAwait(false);
            return;
        }

        if (IsVerification)
        {
            await verification.VerifyAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        if (Session.Migration is not null)
            await migration.MigrateAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task MapAsync(CancellationToken cancellationToken)
    {
        await engine.StepAsync(SessionPhase.NfsMapping, "Publish the VM in the datastore", async ct =>
        {
            var host = services.MountServer.Host;
            var network = vm.Host.Network;
            var publication = Session.Publication is { } name ? host.Publications.FirstOrDefault(p => p.Name == name) : null;
            if (publication is null)
            {
                publication = await services.MountServer.PublishAsync(Session.Vm, Session.RestorePointId, Session.RedirectWritesTo, Session.RepositoryPath, network, ct).ConfigureAwait(false);
                var urls = DiskUrlsFor(publication);
                engine.Save(s => s with { Publication = publication.Name, CacheFolder = publication.CacheFolder, DiskUrls = urls });
            }

            var over = Session.Protocol == DiskProtocols.Nbd ? "over NBD" : "over NFS";
            var boot = _bootProfile.Start(publication.Name);
            var only = network is null ? "" : $"; only host {vm.Host.Name} ({network.HostAddress}) may read and write it, at {network.MountServerAddress}";
            return $"{over}: {string.Join(", ", DiskUrlsFor(publication))}; writes go to {publication.CacheFolder}{only}; {boot}";
        }, cancellationToken).ConfigureAwait(false);
    }

    private IReadOnlyList<string> DiskUrlsFor(PublicationInfo publication) => PublishedDiskUrls.For(publication, Session.Protocol);

    private async Task RegisterAndStartAsync(CancellationToken cancellationToken)
    {
        const SessionPhase phase = SessionPhase.RegisteringAndStarting;
        await engine.StepAsync(phase, DefineStep, _paused.BeganAt, async ct =>
        {
            var started = await _paused.DefineAsync(ct).ConfigureAwait(false);
            var description = vm.Spec().Vm;
            var boot = description.Kernel is null ? "boots from disk0" : $"direct kernel boot of {description.Kernel}";
            var bus = description.Disks.Count > 0 ? description.Disks[0].Bus.ToString().ToLowerInvariant() : "";
            return $"{description.Name}: {description.Cpus} CPU(s), {description.MemoryMiB} MiB, {description.Disks.Count} {bus} disk(s), NIC {description.Nic}, {boot}; runtime folder {Session.RuntimeDirectory}" +
                (started.Length > 0 ? $"; {started}" : "");
        }, cancellationToken).ConfigureAwait(false);

        await engine.StepAsync(phase, PowerOnStep, async ct =>
        {
            if (!Session.PowerOn)
                throw new StepSkippedException("not powered on, as the recovery asked");
            try
            {
                if (_paused.Paused is { } paused)
                    return await paused.RunWithDisksAsync(Session.DiskUrls, ct).ConfigureAwait(false);
                var hosted = await vm.FindAsync(ct).ConfigureAwait(false)
                    ?? throw new SessionStepException($"The VM of session {Session.Id} is no longer defined on host {vm.Host.Name}; stop the session and recover again.");
                return await hosted.StartAsync(ct).ConfigureAwait(false);
            }
            finally
            {
                _poweredOn = true;
            }
        }, cancellationToken).ConfigureAwait(false);

        await engine.StepAsync(phase, "Wait for the guest", ct => IsVerification ? verification.WaitUnlessDamagedAsync(WaitForGuestAsync, ct) : WaitForGuestAsync(ct), cancellationToken).ConfigureAwait(false);

        // Ready only once the step that saw the guest answer is recorded as ended: a client that sees Ready finds
        // every step of the phase ended. (A step done before a restart was not run again: it answered then.)
        if (Session.State == SessionState.Starting)
            engine.Save(s => s with { ReadyAt = s.PowerOn ? _guestAnsweredAt ?? engine.Now : null, State = SessionState.Ready });
    }

    private async Task<string?> WaitForGuestAsync(CancellationToken ct)
    {
        if (!Session.PowerOn)
            throw new StepSkippedException("the VM was not powered on");
        var guest = vm.RequireRunning();
        var condition = ReadyCondition.Parse(Session.ReadyWhen);
        var timeout = TimeSpan.FromSeconds(Session.ReadyTimeoutSeconds);
        // In words the console and the CLI share (no flags): a verification's timeout is its own, a recovery's the ready timeout.
        var console = "its serial console shows how far it booted";
        var again = Session.Verification is null ? "recover again with a longer ready timeout" : "verify again with a longer timeout";
        string answer;
        if (condition.Kind == ReadyConditionKind.Agent)
        {
            try
            {
                await guest.WaitForAgentAsync(timeout, ct).ConfigureAwait(false);
                answer = "the QEMU guest agent answered guest-ping";
            }
            catch (TimeoutException e)
            {
                throw new SessionStepException(
                    $"The guest's QEMU guest agent did not answer within {timeout.TotalSeconds:0.#} s; {console}: {again}, or let it be ready when the console shows a text or when QEMU runs if the guest runs no qemu-ga.", e);
            }
            catch (HostException e)
            {
                throw new SessionStepException($"The guest agent could not answer: {e.Message.TrimEnd('.')}; {console}.", e);
            }
        }
        else if (condition.Kind == ReadyConditionKind.Console)
        {
            try
            {
                var line = await guest.WaitForConsoleAsync(condition.ConsoleText!, timeout, ct).ConfigureAwait(false);
                answer = $"the console printed \"{line.Trim()}\"";
            }
            catch (TimeoutException e)
            {
                throw new SessionStepException(
                    $"The guest did not print \"{condition.ConsoleText}\" within {timeout.TotalSeconds:0.#} s; {console}: {again}, or wait for another text.", e);
            }
            catch (HostException e)
            {
                throw new SessionStepException($"The VM stopped before the guest printed \"{condition.ConsoleText}\" ({e.Message.TrimEnd('.')}); {console}.", e);
            }
        }
        else
        {
            var status = await guest.QueryStatusAsync(ct).ConfigureAwait(false);
            if (!status.Running)
                throw new SessionStepException($"Host {vm.Host.Name} reports the VM {status.Status}, not running; {console}.");
            answer = $"host {vm.Host.Name} reports it running";
        }

        // The recovery time ends when the guest answered, not when the boot profile is kept after it.
        _guestAnsweredAt = engine.Now;
        var boot = _bootProfile.Finish();
        return $"{answer}; {boot}";
    }
}
