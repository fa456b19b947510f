using System.Collections.Concurrent;
using System.Security.Cryptography;
using Lifeboat.FileRestore;
using Lifeboat.MountServer.Publishing;
using Lifeboat.Repository;
using Lifeboat.Server.Hosting;
using Lifeboat.Server.Inventory;
using Lifeboat.Server.Security;
using Lifeboat.Server.Sessions;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Server.FileRestore;

/// <summary>
/// The server's file-restore sessions. Opening one publishes the restore point read-only (no write cache) on the mount
/// server and starts a libguestfs appliance that reads it over NBD on this machine (the root-only unix socket when the
/// mount server serves one, else loopback TCP, which answers privileged local ports only). A session ends when it is
/// closed, when it has been idle for <see cref="IdleTimeout"/>, or when the server stops (<see cref="StopAsync"/>, which
/// also cancels the opens in progress); sessions live in memory, and the publications a crashed server left are removed
/// at its next start.
/// </summary>
public sealed class FileRestoreSessions : IAsyncDisposable
{
    /// <summary>Why sessions end at a stop, in their log line and in what their downloads say.</summary>
    public const string ServerStopped = "the server stopped";

    /// <summary>Why a session ends that a user closed (the close's own request is in the audit log).</summary>
    private const string Closed = "closed";

    /// <summary>What an open the stop cancelled answers (and the audit log keeps).</summary>
    public const string StoppedWhileStarting =
        "The server stopped while the file-restore session's appliance was starting, so the session was not opened and nothing of it is left; open it again once the server runs.";

    private readonly ConcurrentDictionary<string, FileRestoreSession> _sessions = new(StringComparer.Ordinal);
    private readonly MountServerService _mountServer;
    private readonly RepositoryRegistry _repositories;
    private readonly RetentionGate _retention;
    private readonly IApplianceLauncher _appliances;
    private readonly FileRestorePublications _publications;
    private readonly AuditLog _audit;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<TaskCompletionSource, byte> _opening = new();
    private readonly CancellationTokenSource _stopping = new();
    private Task _sweeping = Task.CompletedTask;
    private readonly Lock _stopGate = new();
    private Task? _stop;
    private int _reserved;

    public FileRestoreSessions(
        ServerOptions options, MountServerService mountServer, RepositoryRegistry repositories, RetentionGate retention, IApplianceLauncher appliances,
        FileRestorePublications publications, AuditLog audit, TimeProvider time, ILogger<FileRestoreSessions> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        IdleTimeout = options.FileRestoreIdleTimeout;
        _mountServer = mountServer;
        _repositories = repositories;
        _retention = retention;
        _appliances = appliances;
        _publications = publications;
        _audit = audit;
        _time = time;
        _logger = logger;
    }

    /// <summary>A session unused this long is closed.</summary>
    public TimeSpan IdleTimeout { get; }

    /// <summary>Removes the publications the last run's sessions left, then starts closing idle sessions. Call once the mount server runs.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var leftover in _publications.List())
        {
            try
            {
                await _mountServer.Host.UnpublishAsync(leftover, cancellationToken).ConfigureAwait(false);
                _publications.Remove(leftover);
                FileRestoreLog.LeftoverRemoved(_logger, leftover);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                FileRestoreLog.LeftoverNotRemoved(_logger, leftover, e.Message);
            }
        }

        _sweeping = SweepAsync(_stopping.Token);
    }

    /// <summary>
    /// Opens a session on restore point <paramref name="restorePoint"/> of <paramref name="vm"/> (an id or its start,
    /// <c>latest</c> or null for the newest), for <paramref name="user"/>. Takes as long as an appliance start.
    /// </summary>
    /// <exception cref="FileRestoreException">
    /// The VM (field <c>vm</c>) or restore point (<c>restorePoint</c>) is not found, or no appliance can start (too many
    /// sessions for the appliances' memory budget, or libguestfs failed); nothing is left published.
    /// </exception>
    /// <exception cref="LifeboatException">The server stops (<see cref="LifeboatErrorReason.Unavailable"/>): the open is cancelled, whatever the appliance was doing.</exception>
    public async Task<FileRestoreSession> OpenAsync(string vm, string? restorePoint, string user, CancellationToken cancellationToken)
    {
        // A stop waits for the opens in progress, which it cancels: what they published is removed while the mount
        // server runs. Registered before the stop is checked, so a stop either sees the open or the open sees the stop.
        var opening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _opening[opening] = 0;
        try
        {
            if (_stopping.IsCancellationRequested)
                throw new LifeboatException(LifeboatErrorReason.Unavailable, "The server is stopping; open the file-restore session once it runs again.");
            if (!VmName.TryValidate(vm, "vm", out var problem))
                throw new FileRestoreException(problem, "vm");
            return await OpenWithinCapacityAsync(vm, restorePoint, user, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _opening.TryRemove(opening, out _);
            opening.SetResult();
        }
    }

    private async Task<FileRestoreSession> OpenWithinCapacityAsync(string vm, string? restorePoint, string user, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _reserved) > _appliances.Capacity)
        {
            Interlocked.Decrement(ref _reserved);
            throw new FileRestoreException(
                $"File-restore sessions are at the appliances' memory limit ({_appliances.Capacity} at once: {_appliances.CapacityReason}); close one, or wait until an idle one closes.");
        }

        try
        {
            using var stopOrGone = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
            return await OpenReservedAsync(vm, restorePoint, user, stopOrGone.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (_stopping.IsCancellationRequested)
        {
            Interlocked.Decrement(ref _reserved);
            FileRestoreLog.NotOpened(_logger, vm, restorePoint ?? "latest", user, StoppedWhileStarting);
            throw new LifeboatException(LifeboatErrorReason.Unavailable, StoppedWhileStarting, innerException: e);
        }
        catch
        {
            Interlocked.Decrement(ref _reserved);
            throw;
        }
    }

    private async Task<FileRestoreSession> OpenReservedAsync(string vm, string? restorePoint, string user, CancellationToken cancellationToken)
    {
        PublicationInfo publication;
        using (await _retention.EnterRecoveryAsync(cancellationToken).ConfigureAwait(false))
        {
            var found = Find(vm, restorePoint);
            try
            {
                publication = await _mountServer.Host.PublishAsync(
                    vm, found.RestorePoint.Id, repositoryPath: found.RepositoryPath, readOnly: true, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is RepositoryException or ArgumentException or IOException or UnauthorizedAccessException)
            {
                throw new FileRestoreException($"Restore point {found.RestorePoint.Id} of VM '{vm}' could not be published for browsing: {e.Message}", null, e);
            }
        }

        _publications.Add(publication.Name);
        try
        {
            var browser = await _appliances.OpenAsync(Drives(publication), cancellationToken).ConfigureAwait(false);
            var session = new FileRestoreSession(NewId(), user, publication.Vm, publication.RestorePointId, publication.Name, browser, _time);
            _sessions[session.Id] = session;
            if (_stopping.IsCancellationRequested && _sessions.TryRemove(session.Id, out _))
            {
                await browser.DisposeAsync().ConfigureAwait(false);
                throw new OperationCanceledException(_stopping.Token);
            }

            FileRestoreLog.Opened(_logger, session.Id, user, session.Vm, session.RestorePointId, session.Publication);
            return session;
        }
        catch
        {
            await UnpublishAsync(publication.Name).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The open sessions, oldest first.</summary>
    public IReadOnlyList<FileRestoreSession> List() => [.. _sessions.Values.OrderBy(s => s.CreatedAt).ThenBy(s => s.Id, StringComparer.Ordinal)];

    /// <summary>The open session <paramref name="id"/>, or null.</summary>
    public FileRestoreSession? Get(string id) => _sessions.TryGetValue(id, out var session) ? session : null;

    /// <summary>Closes a session: its appliance shuts down and its publication is removed. False when there is no such session.</summary>
    public Task<bool> CloseAsync(string id) => CloseAsync(id, Closed);

    /// <summary>
    /// Ends every session because the server stops: opens in progress are cancelled (their appliance's start is killed),
    /// downloads are cut off, appliances shut down and publications removed. Call it as the server begins to stop, while
    /// the mount server still runs; it returns within seconds whatever the appliances are doing.
    /// </summary>
    public Task StopAsync()
    {
        lock (_stopGate)
            return _stop ??= StopOnceAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task StopOnceAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _sweeping.ConfigureAwait(false);
        await Task.WhenAll(_opening.Keys.Select(opening => opening.Task)).ConfigureAwait(false);
        await Task.WhenAll(_sessions.Keys.Select(id => CloseAsync(id, ServerStopped))).ConfigureAwait(false);
    }

    private async Task<bool> CloseAsync(string id, string why)
    {
        if (!_sessions.TryRemove(id, out var session))
            return false;
        session.End(why);
        Interlocked.Decrement(ref _reserved);
        try
        {
            await session.Browser.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is FileRestoreException or IOException or InvalidOperationException)
        {
            FileRestoreLog.CloseFailed(_logger, id, e.Message);
        }

        await UnpublishAsync(session.Publication).ConfigureAwait(false);
        FileRestoreLog.Closed(_logger, id, why);
        // Sessions live in memory: the audit log is what remains of one the server ended (idle, or the server stopped).
        if (why != Closed)
            _audit.Record(FirstStart.ServerCreator, null, "file-restore.close", $"file-restore session {id} ({session.Vm}@{session.RestorePointId}, opened by {session.User})", "ok: " + why);
        return true;
    }

    private async Task UnpublishAsync(string publication)
    {
        try
        {
            await _mountServer.Host.UnpublishAsync(publication, CancellationToken.None).ConfigureAwait(false);
            _publications.Remove(publication);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left in the list: the next start removes it.
            FileRestoreLog.LeftoverNotRemoved(_logger, publication, e.Message);
        }
    }

    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        var every = TimeSpan.FromTicks(Math.Clamp(IdleTimeout.Ticks / 4, TimeSpan.TicksPerSecond, 30 * TimeSpan.TicksPerSecond));
        using var timer = new PeriodicTimer(every, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                var now = _time.GetUtcNow();
                foreach (var session in _sessions.Values.Where(s => !s.IsBusy && now - s.LastUsed >= IdleTimeout).ToList())
                    await CloseAsync(session.Id, $"idle for {IdleTimeout.TotalMinutes:0.#} min").ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The server stops.
        }
    }

    private LocatedRestorePoint Find(string vm, string? restorePoint)
    {
        if (_repositories.ListRestorePoints(vm).Count == 0)
            throw new FileRestoreException($"No registered repository has a restore point of VM '{vm}'; back it up first, or register its repository.", "vm");
        try
        {
            return _repositories.Find(vm, restorePoint);
        }
        catch (SessionStepException e)
        {
            throw new FileRestoreException(e.Message, "restorePoint", e);
        }
    }

    private IReadOnlyList<GuestDrive> Drives(PublicationInfo publication)
    {
        var urls = publication.NbdUnixUrls.Count > 0 ? publication.NbdUnixUrls : publication.NbdUrls;
        if (urls.Count == 0)
            throw new FileRestoreException("The mount server serves no NBD, which the file-restore appliance reads; start the server with NBD on.");
        var host = _mountServer.Host;
        var name = publication.Name;
        return [.. urls.Select((url, disk) => new GuestDrive(url, () => host.LastDamagedChunk(name, disk) is { } d
            ? new DamagedBlock(d.DiskIndex, d.DiskOffset, d.ChunkId, d.Reason, d.Count)
            : null))];
    }

    private static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
}
