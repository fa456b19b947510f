using Lifeboat.Server.Sessions.Engine;

namespace Lifeboat.Server.Sessions;

/// <summary>Stop, and the clean-up after a failure: power off, undefine, unpublish, delete the cache. The backup is untouched.</summary>
internal sealed class StopWorkflow(SessionEngine engine, SessionVm vm, SessionServices services, VerificationOutcomes verification)
{
    private const SessionPhase Phase = SessionPhase.Stop;
    private static readonly TimeSpan PowerOffTimeout = TimeSpan.FromSeconds(10);

    private SessionRecord Session => engine.Session;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Session.IsFinal)
            return;
        engine.Save(s => s with { State = SessionState.Stopping, Phase = Phase });
        await CleanUpAsync(cancellationToken).ConfigureAwait(false);
        verification.End();
        engine.Save(s => s with { State = SessionState.Stopped, EndedAt = engine.Now });
    }

    public async Task FailAsync(string reason)
    {
        engine.Warn($"The session failed: {reason}");
        // A failed session shows the phase it failed in; its clean-up steps are listed under Stop all the same.
        var failedIn = Session.Phase;
        engine.Save(s => s with { Error = reason });
        await CleanUpAsync(CancellationToken.None).ConfigureAwait(false);
        verification.End();
        engine.Save(s => s with { State = SessionState.Failed, Phase = failedIn, EndedAt = engine.Now });
    }

    /// <summary>Removes the publication and its cache (finalize and stop share these steps).</summary>
    public async Task UnpublishStepsAsync(SessionPhase phase, CancellationToken cancellationToken, bool tolerateFailures = false)
    {
        Func<SessionPhase, string, Func<CancellationToken, Task<string?>>, CancellationToken, Task> run =
            tolerateFailures ? engine.TryStepAsync : engine.StepAsync;
        await run(phase, "Unpublish the VM", async ct =>
        {
            if (Session.Publication is not { } name)
                throw new StepSkippedException("the VM was not published");
            var removed = await services.MountServer.Host.UnpublishAsync(name, ct).ConfigureAwait(false);
            return removed ? $"{name} is no longer in the datastore" : $"{name} was already gone";
        }, cancellationToken).ConfigureAwait(false);

        await run(phase, "Delete the cache", _ =>
        {
            if (Session.CacheFolder is not { } folder)
                throw new StepSkippedException("there was no cache");
            if (!Directory.Exists(folder))
                return Task.FromResult<string?>($"{folder} went with the publication");
            Directory.Delete(folder, recursive: true);
            return Task.FromResult<string?>($"deleted {folder}");
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every step runs even when one before it failed: each removes what it can.</summary>
    private async Task CleanUpAsync(CancellationToken cancellationToken)
    {
        engine.ForgetDone(Phase);
        await engine.TryStepAsync(Phase, "Power off the VM", async ct =>
        {
            var hosted = await vm.FindAsync(ct).ConfigureAwait(false);
            if (hosted is not { IsRunning: true })
                throw new StepSkippedException("the VM is not running");
            return await hosted.PowerOffAsync(PowerOffTimeout, ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);

        // Held until the production files are deleted: the host's record of them goes with the VM's definition.
        var defined = vm.Current;
        var removed = false;
        await engine.TryStepAsync(Phase, "Undefine the VM", async ct =>
        {
            var hosted = await vm.FindAsync(ct).ConfigureAwait(false);
            if (hosted is null)
            {
                removed = true;
                throw new StepSkippedException("the VM was not defined");
            }

            defined = hosted;
            KeepConsole(hosted.ConsoleLogPath);
            var said = await hosted.UndefineAsync(ct).ConfigureAwait(false);
            removed = true;
            return said;
        }, cancellationToken).ConfigureAwait(false);
        if (!removed && vm.Reference is not null)
        {
            engine.Save(s => s with { LeftOnHost = true });
            engine.Warn($"The VM is still on host {Session.HostId}; the server removes it once the host answers again.");
        }

        await UnpublishStepsAsync(Phase, cancellationToken, tolerateFailures: true).ConfigureAwait(false);

        if (Session.ProductionDisks.Count > 0)
        {
            await engine.TryStepAsync(Phase, "Delete the unfinished production files", async _ =>
            {
                var files = string.Join(", ", Session.ProductionDisks);
                if (defined is null)
                    throw new SessionStepException($"Could not delete {files}: the VM's host no longer knows them; delete them by hand.");
                var problems = await defined.Migration.AbandonAsync().ConfigureAwait(false);
                if (problems.Count > 0)
                    throw new SessionStepException(string.Join(" ", problems));
                engine.Save(s => s with { ProductionDisks = [] });
                return $"deleted {files}";
            }, cancellationToken).ConfigureAwait(false);
        }

        await vm.ReleaseAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// For an ended session whose VM its host could not remove then (<see cref="SessionRecord.LeftOnHost"/>): powers it
    /// off and undefines it now, if the host answers; else leaves it for the next try.
    /// </summary>
    public async Task RemoveLeftoverAsync(CancellationToken cancellationToken)
    {
        if (!Session.LeftOnHost)
            return;
        try
        {
            var hosted = await vm.FindAsync(cancellationToken).ConfigureAwait(false);
            var said = "it was already gone";
            if (hosted is not null)
            {
                if ((await hosted.QueryStatusAsync(cancellationToken).ConfigureAwait(false)).Running)
                    await hosted.PowerOffAsync(PowerOffTimeout, cancellationToken).ConfigureAwait(false);
                said = await hosted.UndefineAsync(cancellationToken).ConfigureAwait(false);
            }

            engine.Save(s => s with { LeftOnHost = false });
            engine.Note($"Host {Session.HostId} answers again: {said}.");
        }
        catch (Exception e) when (e is Hypervisors.Hosts.HostException or SessionStepException or Hypervisors.Libvirt.LibvirtException)
        {
            // The host is still away; the next sweep tries again.
        }
        finally
        {
            await vm.ReleaseAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The console text outlives the VM's folder, so GET /api/sessions/{id}/console still answers after the stop.</summary>
    private void KeepConsole(string consoleLog)
    {
        if (!File.Exists(consoleLog))
            return;
        Directory.CreateDirectory(services.Data.Consoles);
        File.Copy(consoleLog, services.Data.KeptConsole(Session.Id), overwrite: true);
    }
}
