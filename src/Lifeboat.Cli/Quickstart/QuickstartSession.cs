using System.Diagnostics;
using Lifeboat.Cli.Commands;
using Spectre.Console;

namespace Lifeboat.Cli.Quickstart;

/// <summary>
/// The story's instant recovery session on the server: started and followed until the guest answers, migrated live,
/// and, when the story stops halfway, stopped so that nothing of it keeps running.
/// </summary>
internal sealed class QuickstartSession(ServerClient client, StepLog log)
{
    private static readonly TimeSpan CleanupTimeout = TimeSpan.FromSeconds(60);

    /// <summary>After Ctrl+C the user waits: the server gets this long to stop the session before the VM is powered off directly.</summary>
    private static readonly TimeSpan HurriedCleanup = TimeSpan.FromSeconds(3);

    private static readonly TimeSpan PowerOffPatience = TimeSpan.FromSeconds(15);

    public string? Id { get; private set; }

    /// <summary>The VM's QMP socket, pid file and serial log, as the server reports them.</summary>
    public string? RuntimeDirectory { get; private set; }

    /// <summary>From the command to the guest answering, as the user waits for it.</summary>
    public double? RecoverySeconds { get; private set; }

    public double? MigrationSeconds { get; private set; }

    public double? MigrationMiBPerSecond { get; private set; }

    /// <summary>Starts the session, shows its steps as they end, and returns once the guest answers.</summary>
    public async Task<SessionView> RecoverAsync(RecoveryRequest request, CancellationToken ct)
    {
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var session = await client.RecoverAsync(request, ct);
        Id = session.Id;
        var last = await new SessionFollower(client, log.Console).FollowAsync(session.Id, s => s.State != SessionState.Starting, ct);
        var elapsed = clock.Elapsed.TotalSeconds;
        RuntimeDirectory = last.RuntimeDirectory;
        if (last.State != SessionState.Ready || last.ReadyAt is not { } readyAt)
            throw new CliException(last.Error ?? $"Session {last.Id} is {last.State.ToString().ToLowerInvariant()} before the guest answered; see `lifeboat session show {last.Id}`.");

        // The server stamps the moment the guest answered; polling would add up to a quarter of a second.
        var stamped = (readyAt - started).TotalSeconds;
        RecoverySeconds = stamped > 0 && stamped <= elapsed ? stamped : elapsed;
        return last;
    }

    /// <summary>Live migration to raw files in <paramref name="production"/>; returns the finalized session.</summary>
    public async Task<SessionView> MigrateAsync(string production, CancellationToken ct)
    {
        var id = Id ?? throw new InvalidOperationException("The session has not started.");
        var before = await client.GetSessionAsync(id, ct);
        await client.MigrateAsync(id, new MigrationRequest(production, MigrationMethod.Mirror, ProductionFormat.Raw), ct);
        var follower = new SessionFollower(client, log.Console);
        follower.SkipStepsOf(before);
        var last = await follower.FollowAsync(id, s => s.IsFinal || (s.State == SessionState.Ready && s.MigrationError is not null), ct);
        if (last.State != SessionState.Finalized)
            throw new CliException(last.MigrationError ?? last.Error ?? $"Session {id} is {last.State.ToString().ToLowerInvariant()}, not finalized; see `lifeboat session show {id}`.");
        MigrationSeconds = last.Phases.LastOrDefault(p => p.Phase == SessionPhase.MigratingToProduction)?.DurationSeconds;
        var bytes = last.ProductionDisks.Where(File.Exists).Sum(d => new FileInfo(d).Length);
        if (MigrationSeconds is > 0 and var seconds)
            MigrationMiBPerSecond = Math.Round(bytes / (1024.0 * 1024.0) / seconds, 1);
        return last;
    }

    /// <summary>Powers off the VM that finalization left to production.</summary>
    public async Task<bool> PowerOffAsync() =>
        RuntimeDirectory is { } folder && await ProductionVm.PowerOffAsync(folder, PowerOffPatience);

    /// <summary>
    /// When the story stops halfway, nothing of it may keep running: the server stops the session, or, when it cannot
    /// (in time), the VM is powered off directly.
    /// </summary>
    /// <param name="serverData">The server's data folder, where it keeps a session's VM in run/ID.</param>
    /// <param name="hurry">The user interrupted the story and waits.</param>
    public async Task CleanUpAsync(string serverData, bool hurry)
    {
        if (Id is not { } id)
            return;
        using var patience = new CancellationTokenSource(hurry ? HurriedCleanup : CleanupTimeout);
        try
        {
            var session = await client.GetSessionAsync(id, patience.Token);
            RuntimeDirectory ??= session.RuntimeDirectory;
            if (!session.IsFinal)
            {
                log.Console.Line($"[yellow]Stopping session {id}[/] so that nothing of it is left.");
                await client.StopAsync(id, patience.Token);
                var follower = new SessionFollower(client, log.Console);
                follower.SkipStepsOf(session);
                session = await follower.FollowAsync(id, s => s.IsFinal, patience.Token);
            }

            if (!session.VmRunning)
                return;
        }
        catch (Exception e) when (e is CliException or OperationCanceledException)
        {
            // The server is gone or too slow; the VM goes directly.
        }

        // Interrupted before the first answer named it: the server's layout gives the folder.
        var runtime = RuntimeDirectory ?? Path.Combine(serverData, "run", id);
        try
        {
            if (await ProductionVm.PowerOffAsync(runtime, hurry ? HurriedCleanup : PowerOffPatience))
                log.Console.Line($"[yellow]Powered off the VM of session {Markup.Escape(id)}[/].");
        }
        catch (CliException e)
        {
            // The story's own failure is what the user must read first; this one only goes to stderr.
            Console.Error.WriteLine($"lifeboat: {e.Message}");
        }
    }
}
