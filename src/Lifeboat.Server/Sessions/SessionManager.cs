using System.Collections.Concurrent;
using System.Security.Cryptography;
using Lifeboat.MountServer.Publishing;
using Lifeboat.Repository;
using Lifeboat.Server.Contracts.Sessions;

namespace Lifeboat.Server.Sessions;

/// <summary>Creates sessions, finds them, and hands migrate and stop requests to their runners.</summary>
public sealed class SessionManager : IAsyncDisposable
{
    private const int MaxFirmwareConfigEntries = 16;
    private const int MaxFirmwareConfigValueLength = 4096;
    private static readonly TimeSpan MaxReadyTimeout = TimeSpan.FromHours(24);
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, SessionRunner> _runners = new(StringComparer.Ordinal);
    private readonly SessionChangeSignal _anyChange = new();
    private readonly CancellationTokenSource _sweep = new();

    private int _disposed;
    private readonly SessionServices _services;
    private readonly DiskTargets _diskTargets;
    private Task _sweeping = Task.CompletedTask;

    public SessionManager(SessionServices services)
    {
        _services = services;
        _diskTargets = new DiskTargets(this, new RunningVms(this, services.Hosts));
    }

    /// <summary>Validates the request, records the session and starts it; its steps then run in the background.</summary>
    /// <exception cref="LifeboatException">The request is malformed (the message and the field say which).</exception>
    public SessionRecord Start(RecoveryRequest request) => Start(request, verification: null);

    /// <summary>
    /// Starts a verification: an instant recovery without network that runs <see cref="VerificationRequest.Checks"/> in
    /// the guest once it answers, keeps a screenshot, and is torn down, its outcome kept for the restore point.
    /// </summary>
    /// <exception cref="LifeboatException">The request is malformed (the message and the field say which).</exception>
    public SessionRecord StartVerification(VerificationRequest request)
    {
        if (request.TimeoutSeconds is { } seconds && !(seconds > 0 && seconds <= MaxReadyTimeout.TotalSeconds))
            throw LifeboatException.Invalid("timeoutSeconds", $"timeoutSeconds must be more than 0 and at most {MaxReadyTimeout.TotalSeconds:0} (24 hours).");
        var checks = request.Checks ?? [];
        if (checks.Count > VerificationCheck.MaxChecks)
            throw LifeboatException.Invalid("checks", $"A verification runs at most {VerificationCheck.MaxChecks} checks.");
        foreach (var check in checks)
        {
            if (string.IsNullOrWhiteSpace(check.Name) || check.Name.Length > 200)
                throw LifeboatException.Invalid("checks", "Every check needs a name of 1 to 200 characters.");
            if ((check.Command is null) == (check.Script is null))
                throw LifeboatException.Invalid("checks", $"Check '{check.Name}' must give a command or a script, not both or neither.");
            if (check.Command is { Length: > VerificationCheck.MaxCommandLength })
                throw LifeboatException.Invalid("checks", $"Check '{check.Name}': a command is limited to {VerificationCheck.MaxCommandLength} characters; give a script file instead.");
            if (check.Script is { } script && System.Text.Encoding.UTF8.GetByteCount(script) > Hypervisors.Qemu.GuestAgent.GuestExec.MaxInputBytes)
                throw LifeboatException.Invalid("checks", $"Check '{check.Name}': a script is limited to {Hypervisors.Qemu.GuestAgent.GuestExec.MaxInputBytes / 1024} KiB.");
        }

        var recovery = new RecoveryRequest
        {
            Vm = request.Vm,
            RestorePoint = request.RestorePoint,
            ReadyWhen = request.ReadyWhen,
            ReadyTimeoutSeconds = request.TimeoutSeconds,
            FirmwareConfig = request.FirmwareConfig,
            Host = request.Host,
            Protocol = request.Protocol,
        };
        var timeout = request.TimeoutSeconds ?? _services.Options.ReadyTimeout.TotalSeconds;
        return Start(recovery, new VerificationPlan([.. checks], timeout));
    }

    private SessionRecord Start(RecoveryRequest request, VerificationPlan? verification)
    {
        Field("vm", () => VmName.Validate(request.Vm, "vm"));
        var ready = string.IsNullOrEmpty(request.ReadyWhen) ? ReadyCondition.DefaultFor(RecordedHardware(request)) : Field("readyWhen", () => ReadyCondition.Parse(request.ReadyWhen));
        // Checked as a number first: TimeSpan.FromSeconds(1e308) overflows.
        if (request.ReadyTimeoutSeconds is { } seconds && !(seconds > 0 && seconds <= MaxReadyTimeout.TotalSeconds))
            throw LifeboatException.Invalid("readyTimeoutSeconds", $"readyTimeoutSeconds must be more than 0 and at most {MaxReadyTimeout.TotalSeconds:0} (24 hours).");
        var timeout = request.ReadyTimeoutSeconds is { } given ? TimeSpan.FromSeconds(given) : _services.Options.ReadyTimeout;
        var firmwareConfig = request.FirmwareConfig ?? new Dictionary<string, string>();
        if (firmwareConfig.Count > MaxFirmwareConfigEntries
            || firmwareConfig.Any(e => !e.Key.StartsWith("opt/", StringComparison.Ordinal) || e.Key.Length > 55 || e.Value.Length > MaxFirmwareConfigValueLength))
        {
            throw LifeboatException.Invalid("firmwareConfig",
                $"Firmware config entries must be at most {MaxFirmwareConfigEntries}, named opt/... in at most 55 characters, with values of at most {MaxFirmwareConfigValueLength}.");
        }

        var protocol = Field("protocol", () => DiskProtocols.Parse(request.Protocol));
        var host = string.IsNullOrEmpty(request.Host) ? SessionRecord.LocalHostId : request.Host;
        if (!_services.Hosts.Exists(host))
            throw LifeboatException.Invalid("host", $"host {host} is not a host Lifeboat knows; list them with GET /api/hosts, or add it.");
        if (request.Name is not null)
            Field("name", () => VmName.Validate(request.Name, "name"));
        if (request.Network is not null && (request.Network.Length is 0 or > 64 || !request.Network.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
            throw LifeboatException.Invalid("network", "network must be a libvirt network's name (letters, digits, '-', '_', '.', at most 64), or null for no NIC.");
        if (verification is not null && request.Network is not null)
            throw LifeboatException.Invalid("network", "A verification boots in isolation, without a NIC; leave network out.");
        var redirect = request.RedirectWritesTo is null ? null : _services.Datastores.Resolve(request.RedirectWritesTo, "redirectWritesTo");
        var migration = request.MigrateTo is null ? null : Validated(request.MigrateTo, "migrateTo.targetDirectory", host);
        var session = new SessionRecord
        {
            Id = NewId(),
            Vm = request.Vm,
            RequestedRestorePoint = request.RestorePoint,
            State = SessionState.Starting,
            Phase = SessionPhase.Initialization,
            // Stored explicitly, default or not, so that `session show` says what the session waits for.
            ReadyWhen = ready.ToString(),
            ReadyTimeoutSeconds = timeout.TotalSeconds,
            PowerOn = request.PowerOn,
            Protocol = protocol,
            HostId = host,
            Network = request.Network,
            VmName = request.Name,
            RedirectWritesTo = redirect,
            FirmwareConfig = new Dictionary<string, string>(firmwareConfig, StringComparer.Ordinal),
            Migration = migration,
            Verification = verification,
            CreatedAt = _services.Time.GetUtcNow(),
        };
        _services.Store.Insert(session);
        _anyChange.Raise();
        var runner = new SessionRunner(_services, session, _anyChange, _diskTargets);
        _runners[session.Id] = runner;
        runner.BeginRecovery();
        return session;
    }

    /// <summary>The value a parser below made of a request's field; its refusal becomes that field's.</summary>
    private static T Field<T>(string field, Func<T> parse)
    {
        try
        {
            return parse();
        }
        catch (ArgumentException e)
        {
            throw LifeboatException.Invalid(field, e.Message, e);
        }
    }

    /// <summary>
    /// Starts an instant disk recovery: disk <see cref="DiskRecoveryRequest.Disk"/> of a restore point published with its
    /// own write cache and hot-plugged into a VM that runs now; its steps then run in the background.
    /// </summary>
    /// <exception cref="LifeboatException">The request is malformed (the message names the field).</exception>
    public SessionRecord StartDiskRecovery(DiskRecoveryRequest request)
    {
        Field("vm", () => VmName.Validate(request.Vm, "vm"));
        var protocol = Field("protocol", () => DiskProtocols.Parse(request.Protocol));
        if (request.Disk is < 0 or > 255)
            throw LifeboatException.Invalid("disk", $"disk {request.Disk} is not a disk index (0 is the first disk of the restore point).");
        if (string.IsNullOrWhiteSpace(request.TargetVm) || request.TargetVm.Length > 200 || request.TargetVm.Any(char.IsControl))
            throw LifeboatException.Invalid("targetVm", "targetVm must name a running VM (1 to 200 characters, no control characters).");
        var host = string.IsNullOrEmpty(request.Host) ? SessionRecord.LocalHostId : request.Host;
        if (!_services.Hosts.Exists(host))
            throw LifeboatException.Invalid("host", $"host {host} is not a host Lifeboat knows; list them with GET /api/hosts, or add it.");
        var redirect = request.RedirectWritesTo is null ? null : _services.Datastores.Resolve(request.RedirectWritesTo, "redirectWritesTo");
        var id = NewId();
        var session = new SessionRecord
        {
            Id = id,
            Vm = request.Vm,
            RequestedRestorePoint = request.RestorePoint,
            State = SessionState.Starting,
            Phase = SessionPhase.Initialization,
            ReadyWhen = "attached",
            Protocol = protocol,
            HostId = host,
            RedirectWritesTo = redirect,
            DiskRecovery = new DiskAttachment(request.Disk, request.TargetVm, "lifeboat-" + id),
            CreatedAt = _services.Time.GetUtcNow(),
        };
        _services.Store.Insert(session);
        _anyChange.Raise();
        var runner = new SessionRunner(_services, session, _anyChange, _diskTargets);
        _runners[session.Id] = runner;
        runner.BeginRecovery();
        return session;
    }

    /// <summary>
    /// The VM of a live recovery session on the local host, by its name or its session's id, as that session holds it;
    /// (null, why) when there is none; (null, null) while its session has not found it again after a restart.
    /// </summary>
    internal (Hypervisors.Hosts.IHostedVm? Vm, string? Why) RunningLocalVm(string name)
    {
        var live = _runners.Values
            .Where(r => r.Session is { HostId: SessionRecord.LocalHostId, DiskRecovery: null } s && !s.IsFinal)
            .ToList();
        if (live.FirstOrDefault(r => r.HeldVm is { } vm && (vm.Name == name || r.Session.Id == name)) is { } found)
        {
            return found.HeldVm!.IsRunning
                ? (found.HeldVm, null)
                : (null, $"VM {name} on host {SessionRecord.LocalHostId} is not running (session {found.Session.Id} is {found.Session.State.ToString().ToLowerInvariant()}); start it, then attach again.");
        }

        if (live.Any(r => r.HeldVm is null && r.Session.State is SessionState.Ready or SessionState.Migrating))
            return (null, null);
        return (null, $"Host {SessionRecord.LocalHostId} runs no VM named {name}: only the VMs of live recovery sessions run there.");
    }

    /// <summary>At server start: every session that had not ended carries on.</summary>
    public void ResumeAll()
    {
        // A finalized disk recovery's disk is still in its VM: it can be detached.
        foreach (var session in _services.Store.List().Where(s => !s.IsFinal || s.LeftOnHost || s is { DiskRecovery: not null, State: SessionState.Finalized }))
        {
            var runner = new SessionRunner(_services, session, _anyChange, _diskTargets);
            if (_runners.TryAdd(session.Id, runner))
                runner.Resume();
        }

        _sweeping = SweepLeftoversAsync(_sweep.Token);
    }

    /// <summary>
    /// Every <see cref="SweepInterval"/>: the VMs of ended sessions that their host could not remove then (it did not
    /// answer) are removed once it answers again, so nothing a session defined stays behind for good.
    /// </summary>
    private async Task SweepLeftoversAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(SweepInterval, _services.Time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            foreach (var runner in _runners.Values)
                runner.RemoveLeftover();
        }
    }

    public SessionSnapshot? Get(string id)
    {
        if (_runners.TryGetValue(id, out var runner))
            return Snapshot(runner);
        var session = _services.Store.Get(id);
        return session is null ? null : new SessionSnapshot(session, null, IsRunning(session));
    }

    public IReadOnlyList<SessionSnapshot> List() =>
        [.. _services.Store.List().Select(s => _runners.TryGetValue(s.Id, out var runner)
            ? Snapshot(runner)
            : new SessionSnapshot(s, null, IsRunning(s)))];

    /// <summary>
    /// Waits until the session changes after <paramref name="seen"/> (a step, its state, a log line) or
    /// <paramref name="max"/> passes; false when this server runs no such session, so nothing will change.
    /// </summary>
    public async Task<bool> WaitForChangeAsync(string id, long seen, TimeSpan max, CancellationToken cancellationToken)
    {
        if (!_runners.TryGetValue(id, out var runner))
            return false;
        await runner.Changes.WaitAsync(seen, max, _services.Time, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>How many changes all sessions have made: a new session, or a change of any of them.</summary>
    public long AnyChangeVersion => _anyChange.Version;

    /// <summary>Waits until any session changes after <paramref name="seen"/> (<see cref="AnyChangeVersion"/>), or <paramref name="max"/> passes.</summary>
    public Task WaitForAnyChangeAsync(long seen, TimeSpan max, CancellationToken cancellationToken) =>
        _anyChange.WaitAsync(seen, max, _services.Time, cancellationToken);

    /// <summary>Starts a failed recovery again as a new session (<see cref="RecoveryRetry"/>); null timeout: twice the failed one's.</summary>
    /// <exception cref="LifeboatException">No such session.</exception>
    /// <exception cref="LifeboatException">The session has not failed, or is no recovery of a VM.</exception>
    /// <exception cref="ArgumentException">The timeout is out of range, or what the session asked is no longer valid.</exception>
    public SessionRecord RecoverAgain(string id, double? readyTimeoutSeconds)
    {
        var failed = _services.Store.Get(id) ?? throw NoSession(id);
        return Start(RecoveryRetry.Request(failed, readyTimeoutSeconds ?? RecoveryRetry.DefaultReadyTimeoutSeconds(failed, MaxReadyTimeout)));
    }

    /// <summary>The longest a session may wait for its guest.</summary>
    public static TimeSpan MaxReadyTimeoutAllowed => MaxReadyTimeout;

    /// <exception cref="LifeboatException">No such session.</exception>
    /// <exception cref="LifeboatException">The session cannot migrate now.</exception>
    public SessionRecord Migrate(string id, MigrationRequest request)
    {
        // The target is judged first, by the rules of the session's host (this machine's for a session there is none of).
        var host = _runners.TryGetValue(id, out var known) ? known.Session.HostId : SessionRecord.LocalHostId;
        var validated = Validated(request, "targetDirectory", host);
        var runner = Runner(id);
        runner.BeginMigration(validated);
        return runner.Session;
    }

    /// <exception cref="LifeboatException">No such session.</exception>
    /// <exception cref="LifeboatException">The session is finalized (its VM belongs to production) or has ended.</exception>
    public SessionRecord Stop(string id)
    {
        var runner = Runner(id);
        runner.BeginStop();
        return runner.Session;
    }

    private static SessionSnapshot Snapshot(SessionRunner runner)
    {
        // The version first: a change that lands while the rest is read shows as a newer version on the next read.
        var version = runner.Changes.Version;
        return new SessionSnapshot(runner.Session, runner.Progress, runner.VmRunning, version);
    }

    /// <summary>Waits until the session has no operation running or queued (tests use it).</summary>
    public Task WhenIdleAsync(string id) => _runners.TryGetValue(id, out var runner) ? runner.Idle : Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        // Twice at every stop: the hosted service's StopAsync, then the container. The second found the sweep's token
        // source disposed, and the server exited 1 on every SIGTERM since the sweep came in.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        await _sweep.CancelAsync().ConfigureAwait(false);
        await _sweeping.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _sweep.Dispose();
        foreach (var runner in _runners.Values)
            await runner.DisposeAsync().ConfigureAwait(false);
        _runners.Clear();
    }

    private SessionRunner Runner(string id)
    {
        if (_runners.TryGetValue(id, out var runner))
            return runner;
        var session = _services.Store.Get(id) ?? throw NoSession(id);
        if (session.State == SessionState.Finalized)
        {
            throw LifeboatException.Conflict(
                $"Session {id} is finalized: its VM runs from production storage ({string.Join(", ", session.ProductionDisks)}) and belongs to production now; Lifeboat leaves it alone.");
        }

        throw LifeboatException.Conflict($"Session {id} has already ended ({session.State.ToString().ToLowerInvariant()}).");
    }

    /// <summary>The request with its target folder as it really leads, inside a datastore.</summary>
    /// <summary>
    /// On this machine, a folder inside a datastore; on a host elsewhere, an absolute folder or a storage pool
    /// (<c>pool:NAME</c>) of that host, which its libvirt creates the files in.
    /// </summary>
    private MigrationRequest Validated(MigrationRequest request, string field, string host)
    {
        if (string.IsNullOrWhiteSpace(request.TargetDirectory))
            throw LifeboatException.Invalid(field, $"{field} must name the production folder the VM's disks move to.");
        if (!Enum.IsDefined(request.Method) || !Enum.IsDefined(request.Format))
            throw LifeboatException.Invalid("method", "method must be mirror or quick, and format raw or qcow2.");
        if (_services.Hosts.Get(host).Network is null)
            return request with { TargetDirectory = _services.Datastores.Resolve(request.TargetDirectory, field) };
        var target = request.TargetDirectory;
        var pool = target.StartsWith(PoolPrefix, StringComparison.Ordinal);
        var valid = target.Length <= WritablePlaces.MaxPathLength && !target.Any(char.IsControl) && (pool
            ? target.Length > PoolPrefix.Length && target[PoolPrefix.Length..].All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
            : target.StartsWith('/') && !target.Split('/').Any(part => part is "." or ".."));
        if (!valid)
            throw LifeboatException.Invalid(field, $"{field} '{target}' must be an absolute folder on host {host} (no '.' or '..') or one of its storage pools as pool:NAME.");
        return request;
    }

    private const string PoolPrefix = "pool:";

    /// <summary>
    /// The hardware recorded with the restore point the session will recover, for the default ready condition; null
    /// when there is none (the session then fails at finding the restore point and says why).
    /// </summary>
    private VmHardware? RecordedHardware(RecoveryRequest request)
    {
        try
        {
            return _services.Repositories.Find(request.Vm, request.RestorePoint).RestorePoint.VmConfig?.Hardware;
        }
        catch (SessionStepException)
        {
            return null;
        }
    }

    /// <summary>Whether the session's local QEMU runs, told from its runtime folder: for sessions this server holds no VM of.</summary>
    internal static bool IsRunning(SessionRecord session) =>
        session.RuntimeDirectory is { } folder && VmRuntimeFolder.RunningProcess(folder) is not null;

    private static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));

    public static LifeboatException NoSession(string id) => LifeboatException.NotFound($"There is no session {id}.", "id");
}
