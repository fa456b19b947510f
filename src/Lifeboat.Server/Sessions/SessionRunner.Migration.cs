using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Lifeboat.Hypervisors.Qemu;
using Lifeboat.MountServer.Publishing;
using Lifeboat.Server.Migration;

namespace Lifeboat.Server.Sessions;

/// <summary>Migrating to production (mirror or quick) and finalizing; a failed migration leaves the VM running from the backup.</summary>
internal sealed partial class SessionRunner
{
    private async Task MigrateAsync(CancellationToken cancellationToken)
    {
        var request = Session.Migration!;
        Save(s => s with { State = SessionState.Migrating, Phase = SessionPhase.MigratingToProduction });
        const SessionPhase phase = SessionPhase.MigratingToProduction;
        var diskCount = Session.DiskSizes.Count;
        try
        {
            var vm = RequireVm();
            await StepAsync(phase, "Prepare the production files", async ct =>
            {
                // Checked again here: a session recorded before datastores were declared may name any folder.
                if (WritablePlaces.Resolve(request.TargetDirectory, _services.Datastores.Folders(), "The migration target", out var problem) is null)
                    throw new SessionStepException(problem!);
                var paths = ProductionFiles.PathsFor(request.TargetDirectory, VmName(Session.Publication ?? Session.Vm), diskCount, request.Format);
                var kept = Session.ProductionDisks.SequenceEqual(paths) && paths.All(File.Exists);
                if (!kept)
                {
                    Security.OwnerOnlyFile.CreateFolder(request.TargetDirectory);
                    var needed = Session.DiskSizes.Sum();
                    var free = new DriveInfo(Path.GetFullPath(request.TargetDirectory)).AvailableFreeSpace;
                    if (free < needed)
                    {
                        throw new SessionStepException(
                            $"{request.TargetDirectory} has {Mib(free)} MiB free and the VM's disks need up to {Mib(needed)} MiB; migrate to a folder with room.");
                    }

                    for (var i = 0; i < paths.Count; i++)
                    {
                        await ProductionFiles.CreateAsync(paths[i], Session.DiskSizes[i], request.Format, ct).ConfigureAwait(false);
                        Save(s => s with { ProductionDisks = [.. paths.Take(i + 1)] });
                    }
                }

                await ProductionFiles.AddNodesAsync(vm.Qmp, paths, request.Format, ct).ConfigureAwait(false);
                return $"{string.Join(", ", paths)} ({request.Format.ToString().ToLowerInvariant()}){(kept ? ", kept from before the restart" : "")}";
            }, cancellationToken).ConfigureAwait(false);

            if (request.Method == MigrationMethod.Mirror)
            {
                await StepAsync(phase, "Mirror the disks", async ct =>
                {
                    var elapsed = Stopwatch.StartNew();
                    long copied = 0;
                    await MirrorMigration.MirrorAsync(vm.Qmp, diskCount, (done, total) =>
                    {
                        copied = done;
                        ReportProgress("mirror", done, total);
                    }, ct).ConfigureAwait(false);
                    return $"in sync: {Mib(copied)} MiB at {Rate(copied, elapsed.Elapsed)} MiB/s, the guest running all along";
                }, cancellationToken).ConfigureAwait(false);
                await StepAsync(phase, "Pivot to the production files", async ct =>
                {
                    await MirrorMigration.PivotAsync(vm.Qmp, diskCount, ct).ConfigureAwait(false);
                    return "the VM's disks are the production files; the VM never stopped";
                }, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await QuickMigration.ResetAsync(vm.Qmp, diskCount, cancellationToken).ConfigureAwait(false);
                await StepAsync(phase, "Copy backup and cache", async ct =>
                {
                    var elapsed = Stopwatch.StartNew();
                    long copied = 0;
                    await QuickMigration.CopyAsync(vm.Qmp, diskCount, (done, total) =>
                    {
                        copied = done;
                        ReportProgress("copy", done, total);
                    }, ct).ConfigureAwait(false);
                    return $"{Mib(copied)} MiB at {Rate(copied, elapsed.Elapsed)} MiB/s while the VM ran; its writes meanwhile are tracked";
                }, cancellationToken).ConfigureAwait(false);
                await StepAsync(phase, "Pause, copy the changed blocks, switch", async ct =>
                {
                    var pause = await QuickMigration.PauseCopyAndSwitchAsync(vm.Qmp, diskCount, ct).ConfigureAwait(false);
                    Save(s => s with { MigrationPauseSeconds = Math.Round(pause.TotalSeconds, 3) });
                    return $"the VM was paused for {pause.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture)} s and runs from the production files";
                }, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (SessionStepException e)
        {
            await AbandonMigrationAsync(e.Message).ConfigureAwait(false);
            return;
        }
        finally
        {
            Volatile.Write(ref _progress, null);
        }

        await FinalizeAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task FinalizeAsync(CancellationToken cancellationToken)
    {
        await UnpublishStepsAsync(SessionPhase.Finalize, cancellationToken).ConfigureAwait(false);
        Save(s => s with { State = SessionState.Finalized, EndedAt = Now });
        // The VM belongs to production now: its monitor is free for whoever runs it.
        if (_vm is not null)
            await _vm.DisposeAsync().ConfigureAwait(false);
        _vm = null;
    }

    /// <summary>Undoes a failed migration: QEMU's jobs and production nodes go, the files are deleted, the VM keeps running from the backup.</summary>
    private async Task AbandonMigrationAsync(string reason)
    {
        var diskCount = Session.DiskSizes.Count;
        if (_vm is { IsRunning: true } vm)
        {
            try
            {
                await QuickMigration.ResetAsync(vm.Qmp, diskCount, CancellationToken.None).ConfigureAwait(false);
                var jobs = await QmpBlock.QueryJobsAsync(vm.Qmp, CancellationToken.None).ConfigureAwait(false);
                foreach (var job in jobs.Where(j => j.Id.StartsWith("lifeboat-mirror", StringComparison.Ordinal)))
                {
                    if (job.Status == "concluded")
                        await QmpBlock.DismissAsync(vm.Qmp, job.Id, CancellationToken.None).ConfigureAwait(false);
                    else
                        await vm.Qmp.ExecuteAsync("job-cancel", new JsonObject { ["id"] = job.Id, ["force"] = true }, CancellationToken.None).ConfigureAwait(false);
                }

                await WaitUntilJobsGoneAsync(vm.Qmp).ConfigureAwait(false);
                var nodes = await QmpBlock.QueryNodeNamesAsync(vm.Qmp, CancellationToken.None).ConfigureAwait(false);
                for (var i = 0; i < diskCount; i++)
                {
                    if (nodes.Contains(ProductionFiles.NodeName(i)))
                        await vm.Qmp.ExecuteAsync("blockdev-del", new JsonObject { ["node-name"] = ProductionFiles.NodeName(i) }, CancellationToken.None).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is QmpException or IOException or SessionStepException or TimeoutException)
            {
                Warn($"Undoing the migration in QEMU failed: {e.Message}");
            }
        }

        ProductionFiles.DeleteQuietly(Session.ProductionDisks);
        Warn($"The migration failed and was undone; the VM still runs from the backup: {reason}");
        Save(s => s with
        {
            State = SessionState.Ready,
            Phase = SessionPhase.RegisteringAndStarting,
            Migration = null,
            ProductionDisks = [],
            MigrationError = reason,
        });
    }

    private static async Task WaitUntilJobsGoneAsync(QmpClient qmp)
    {
        for (var attempt = 0; attempt < 150; attempt++)
        {
            var jobs = (await QmpBlock.QueryJobsAsync(qmp, CancellationToken.None).ConfigureAwait(false))
                .Where(j => j.Id.StartsWith("lifeboat-", StringComparison.Ordinal)).ToList();
            if (jobs.Count == 0)
                return;
            foreach (var job in jobs.Where(j => j.Status == "concluded"))
                await QmpBlock.DismissAsync(qmp, job.Id, CancellationToken.None).ConfigureAwait(false);
            await Task.Delay(200).ConfigureAwait(false);
        }
    }

    private static string Rate(long bytes, TimeSpan elapsed) =>
        (bytes / (1024.0 * 1024) / Math.Max(elapsed.TotalSeconds, 0.001)).ToString("0.0", CultureInfo.InvariantCulture);
}
