using Lifeboat.Hypervisors.Qemu;
using Lifeboat.Server.Migration;

namespace Lifeboat.Server.Sessions;

/// <summary>Stop, and the clean-up after a failure: power off, undefine, unpublish, delete the cache. The backup is untouched.</summary>
internal sealed partial class SessionRunner
{
    private async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Session.IsFinal)
            return;
        Save(s => s with { State = SessionState.Stopping, Phase = SessionPhase.Stop });
        await CleanUpAsync(cancellationToken).ConfigureAwait(false);
        EndVerification();
        Save(s => s with { State = SessionState.Stopped, EndedAt = Now });
    }

    private async Task FailAsync(string reason)
    {
        Warn($"The session failed: {reason}");
        Save(s => s with { Error = reason, Phase = SessionPhase.Stop });
        await CleanUpAsync(CancellationToken.None).ConfigureAwait(false);
        EndVerification();
        Save(s => s with { State = SessionState.Failed, EndedAt = Now });
    }

    /// <summary>Every step runs even when one before it failed: each removes what it can.</summary>
    private async Task CleanUpAsync(CancellationToken cancellationToken)
    {
        const SessionPhase phase = SessionPhase.Stop;
        _doneBeforeRestart.RemoveWhere(s => s.Phase == phase);
        await TryStepAsync(phase, "Power off the VM", async ct =>
        {
            var folder = Session.RuntimeDirectory;
            if (folder is null || VmRuntimeFolder.RunningProcess(folder) is null)
            {
                await ReleaseVmAsync().ConfigureAwait(false);
                throw new SkipStepException("the VM is not running");
            }

            if (_vm is null)
            {
                try
                {
                    _vm = await QemuVm.AttachAsync(folder, _logger, ct).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or QemuException)
                {
                    if (!await VmRuntimeFolder.KillAsync(folder, ct).ConfigureAwait(false))
                        throw new SessionStepException($"The VM's QEMU in {folder} did not die; kill it by hand.");
                    return $"its monitor did not answer ({e.Message}); QEMU was killed";
                }
            }

            await _vm.QuitAsync(QuitTimeout, ct).ConfigureAwait(false);
            await ReleaseVmAsync().ConfigureAwait(false);
            return "QEMU quit";
        }, cancellationToken).ConfigureAwait(false);

        await TryStepAsync(phase, "Undefine the VM", _ =>
        {
            var folder = Session.RuntimeDirectory;
            if (folder is null || !Directory.Exists(folder))
                throw new SkipStepException("the VM was not defined");
            KeepConsole(folder);
            Directory.Delete(folder, recursive: true);
            return Task.FromResult<string?>($"removed {folder}");
        }, cancellationToken).ConfigureAwait(false);

        await UnpublishStepsAsync(phase, cancellationToken, tolerateFailures: true).ConfigureAwait(false);

        if (Session.ProductionDisks.Count > 0)
        {
            await TryStepAsync(phase, "Delete the unfinished production files", _ =>
            {
                ProductionFiles.DeleteQuietly(Session.ProductionDisks);
                var left = Session.ProductionDisks.Where(File.Exists).ToList();
                if (left.Count > 0)
                    throw new SessionStepException($"Could not delete {string.Join(", ", left)}; delete them by hand.");
                var deleted = string.Join(", ", Session.ProductionDisks);
                Save(s => s with { ProductionDisks = [] });
                return Task.FromResult<string?>($"deleted {deleted}");
            }, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Removes the publication and its cache (finalize and stop share these steps).</summary>
    private async Task UnpublishStepsAsync(SessionPhase phase, CancellationToken cancellationToken, bool tolerateFailures = false)
    {
        Func<SessionPhase, string, Func<CancellationToken, Task<string?>>, CancellationToken, Task> run =
            tolerateFailures ? TryStepAsync : StepAsync;
        await run(phase, "Unpublish the VM", async ct =>
        {
            if (Session.Publication is not { } name)
                throw new SkipStepException("the VM was not published");
            var removed = await _services.MountServer.Host.UnpublishAsync(name, ct).ConfigureAwait(false);
            return removed ? $"{name} is no longer in the datastore" : $"{name} was already gone";
        }, cancellationToken).ConfigureAwait(false);

        await run(phase, "Delete the cache", _ =>
        {
            if (Session.CacheFolder is not { } folder)
                throw new SkipStepException("there was no cache");
            if (!Directory.Exists(folder))
                return Task.FromResult<string?>($"{folder} went with the publication");
            Directory.Delete(folder, recursive: true);
            return Task.FromResult<string?>($"deleted {folder}");
        }, cancellationToken).ConfigureAwait(false);
    }

    private async Task TryStepAsync(SessionPhase phase, string name, Func<CancellationToken, Task<string?>> body, CancellationToken cancellationToken)
    {
        try
        {
            await StepAsync(phase, name, body, cancellationToken).ConfigureAwait(false);
        }
        catch (SessionStepException)
        {
            // Recorded as failed; the next clean-up steps still run.
        }
    }

    private async Task ReleaseVmAsync()
    {
        if (_vm is not null)
            await _vm.DisposeAsync().ConfigureAwait(false);
        _vm = null;
    }

    /// <summary>The serial console outlives the runtime folder, so `lifeboat session console` still shows it.</summary>
    private void KeepConsole(string runtimeFolder)
    {
        var serial = new QemuVmPaths(runtimeFolder).SerialLog;
        if (!File.Exists(serial))
            return;
        Directory.CreateDirectory(_services.Data.Consoles);
        File.Copy(serial, _services.Data.KeptConsole(Session.Id), overwrite: true);
    }
}
