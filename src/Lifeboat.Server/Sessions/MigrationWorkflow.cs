using System.Diagnostics;
using System.Globalization;
using Lifeboat.Hypervisors.Hosts;
using Lifeboat.MountServer.Publishing;
using Lifeboat.Server.Sessions.Engine;

namespace Lifeboat.Server.Sessions;

/// <summary>
/// Migrating to production (mirror, or quick where the host offers it) and finalizing, through the host's
/// <see cref="IDiskMigration"/>; a failed migration is abandoned and leaves the VM running from the backup.
/// </summary>
internal sealed class MigrationWorkflow(SessionEngine engine, SessionVm vm, SessionServices services, StopWorkflow stop)
{
    private const SessionPhase Phase = SessionPhase.MigratingToProduction;

    private SessionRecord Session => engine.Session;

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        var request = Session.Migration!;
        engine.Save(s => s with { State = SessionState.Migrating, Phase = Phase });
        try
        {
            var migration = vm.RequireRunning().Migration;
            var target = new ProductionTarget(request.TargetDirectory, request.Format == ProductionFormat.Qcow2, Session.DiskSizes);
            await engine.StepAsync(Phase, "Prepare the production files", async ct =>
            {
                // Checked again here: a session recorded before datastores were declared may name any folder. A host
                // elsewhere writes on its own storage, which its libvirt guards.
                if (vm.Host.Network is null && WritablePlaces.Resolve(request.TargetDirectory, services.Datastores.Folders(), "The migration target", out var problem) is null)
                    throw new SessionStepException(problem!);
                var prepared = await migration.PrepareAsync(target, ct).ConfigureAwait(false);
                engine.Save(s => s with { ProductionDisks = migration.ProductionPaths(target) });
                return prepared;
            }, cancellationToken).ConfigureAwait(false);

            if (request.Method == MigrationMethod.Mirror || !migration.OffersQuick)
                await MirrorAsync(migration, cancellationToken).ConfigureAwait(false);
            else
                await QuickAsync(migration, cancellationToken).ConfigureAwait(false);
        }
        catch (SessionStepException e)
        {
            await AbandonAsync(e.Message).ConfigureAwait(false);
            return;
        }
        finally
        {
            engine.ClearProgress();
        }

        await FinalizeAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task MirrorAsync(IDiskMigration migration, CancellationToken cancellationToken)
    {
        await engine.StepAsync(Phase, "Mirror the disks", async ct =>
        {
            var elapsed = Stopwatch.StartNew();
            var copied = await migration.MirrorAsync((done, total) => engine.ReportProgress("mirror", done, total), ct).ConfigureAwait(false);
            return $"in sync: {Mib.Of(copied)} MiB at {Mib.Rate(copied, elapsed.Elapsed)} MiB/s, the guest running all along";
        }, cancellationToken).ConfigureAwait(false);
        await engine.StepAsync(Phase, "Pivot to the production files", async ct =>
        {
            await migration.PivotAsync(ct).ConfigureAwait(false);
            return "the VM's disks are the production files; the VM never stopped";
        }, cancellationToken).ConfigureAwait(false);
    }

    private async Task QuickAsync(IDiskMigration migration, CancellationToken cancellationToken)
    {
        await engine.StepAsync(Phase, "Copy backup and cache", async ct =>
        {
            var elapsed = Stopwatch.StartNew();
            var copied = await migration.CopyAsync((done, total) => engine.ReportProgress("copy", done, total), ct).ConfigureAwait(false);
            return $"{Mib.Of(copied)} MiB at {Mib.Rate(copied, elapsed.Elapsed)} MiB/s while the VM ran; its writes meanwhile are tracked";
        }, cancellationToken).ConfigureAwait(false);
        await engine.StepAsync(Phase, "Pause, copy the changed blocks, switch", async ct =>
        {
            var pause = await migration.PauseCopyAndSwitchAsync(ct).ConfigureAwait(false);
            engine.Save(s => s with { MigrationPauseSeconds = Math.Round(pause.TotalSeconds, 3) });
            return $"the VM was paused for {pause.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture)} s and runs from the production files";
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The backup is no longer needed: unpublished, and the VM becomes its host's own.</summary>
    private async Task FinalizeAsync(CancellationToken cancellationToken)
    {
        await stop.UnpublishStepsAsync(SessionPhase.Finalize, cancellationToken).ConfigureAwait(false);
        if (vm.Current is { } hosted)
        {
            try
            {
                await hosted.HandOverAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (HostException e)
            {
                engine.Warn($"The VM runs from production storage, but its host did not take it over: {e.Message}");
            }
        }

        engine.Save(s => s with { State = SessionState.Finalized, EndedAt = engine.Now });
    }

    /// <summary>Undoes a failed migration: the host's jobs and production files go, the VM keeps running from the backup.</summary>
    private async Task AbandonAsync(string reason)
    {
        if (vm.Current is { } hosted)
        {
            foreach (var problem in await hosted.Migration.AbandonAsync().ConfigureAwait(false))
                engine.Warn(problem);
        }

        engine.Warn($"The migration failed and was undone; the VM still runs from the backup: {reason}");
        engine.Save(s => s with
        {
            State = SessionState.Ready,
            Phase = SessionPhase.RegisteringAndStarting,
            Migration = null,
            ProductionDisks = [],
            MigrationError = reason,
        });
    }
}
