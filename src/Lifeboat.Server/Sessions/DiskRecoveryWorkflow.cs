using System.Diagnostics;
using Lifeboat.Hypervisors.Hosts;
using Lifeboat.Server.Contracts.Sessions;
using Lifeboat.Server.Sessions.Engine;

namespace Lifeboat.Server.Sessions;

/// <summary>
/// Instant disk recovery: one disk of a restore point published with its own write cache and hot-plugged into a VM
/// that runs now (Initialization, NFS mapping, Attaching); then mirrored to a production file while it stays attached
/// (Migrating to production; the session is then finalized and the disk belongs to the VM), or detached (Stop: unplug,
/// unpublish, delete the cache). The backup is never written.
/// </summary>
internal sealed class DiskRecoveryWorkflow(SessionEngine engine, SessionServices services, DiskTargets targets, StopWorkflow stop)
{
    private static readonly TimeSpan DetachTimeout = TimeSpan.FromSeconds(60);

    private const string AttachStep = "Attach the disk to the running VM";

    private SessionRecord Session => engine.Session;

    private DiskAttachment Plan => Session.DiskRecovery!;

    /// <summary>Whether the disk is in the VM, as this server last saw it.</summary>
    public bool Attached => Session.State is SessionState.Ready or SessionState.Migrating or SessionState.Finalized or SessionState.Stopping;

    public async Task RecoverAsync(CancellationToken cancellationToken)
    {
        try
        {
            using (await services.Retention.EnterRecoveryAsync(cancellationToken).ConfigureAwait(false))
            {
                await CheckAsync(cancellationToken).ConfigureAwait(false);
                await PublishAsync(cancellationToken).ConfigureAwait(false);
            }

            await engine.StepAsync(SessionPhase.Attaching, AttachStep, async ct =>
            {
                await using var target = await targets.FindAsync(Plan.TargetVm, Session.HostId, ct).ConfigureAwait(false);
                return await target.Hotplug.AttachAsync(Disk(), ct).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (SessionStepException e)
        {
            await FailAsync(e.Message).ConfigureAwait(false);
            return;
        }

        if (Session.State == SessionState.Starting)
            engine.Save(s => s with { ReadyAt = engine.Now, State = SessionState.Ready });
        if (Session.Migration is not null)
            await MigrateAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Mirrors the attached disk to its production file and pivots; a failure is undone and leaves the disk attached from the backup.</summary>
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        const SessionPhase phase = SessionPhase.MigratingToProduction;
        var request = Session.Migration!;
        engine.Save(s => s with { State = SessionState.Migrating, Phase = phase });
        var qcow2 = request.Format == ProductionFormat.Qcow2;
        var path = Session.ProductionDisks.Count == 1 ? Session.ProductionDisks[0] : ProductionPath(request.TargetDirectory, qcow2);
        DiskTarget? target = null;
        try
        {
            target = await FindTargetAsync(cancellationToken).ConfigureAwait(false);
            var hotplug = target.Hotplug;
            await engine.StepAsync(phase, "Prepare the production file", async ct =>
            {
                var reuse = Session.ProductionDisks.Contains(path);
                engine.Save(s => s with { ProductionDisks = [path] });
                return await hotplug.PrepareMirrorAsync(Disk(), path, qcow2, reuse, ct).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
            await engine.StepAsync(phase, "Mirror the disk", async ct =>
            {
                var elapsed = Stopwatch.StartNew();
                var copied = await hotplug.MirrorAsync(Disk(), (done, total) => engine.ReportProgress("mirror", done, total), ct).ConfigureAwait(false);
                return $"in sync: {Mib.Of(copied)} MiB at {Mib.Rate(copied, elapsed.Elapsed)} MiB/s, attached all along";
            }, cancellationToken).ConfigureAwait(false);
            await engine.StepAsync(phase, "Pivot to the production file", async ct =>
            {
                await hotplug.PivotAsync(Disk(), ct).ConfigureAwait(false);
                return $"disk {Plan.DiskId} of VM {Plan.TargetVm} is {path} now; the guest never lost it";
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (SessionStepException e)
        {
            await AbandonAsync(e.Message).ConfigureAwait(false);
            return;
        }
        finally
        {
            engine.ClearProgress();
            if (target is not null)
                await target.DisposeAsync().ConfigureAwait(false);
        }

        await stop.UnpublishStepsAsync(SessionPhase.Finalize, cancellationToken).ConfigureAwait(false);
        engine.Save(s => s with { State = SessionState.Finalized });
    }

    /// <summary>Unplugs the disk and removes the publication and its cache; an unfinished production file is deleted, a finished one kept.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Session.State is SessionState.Stopped or SessionState.Failed)
            return;
        var finalized = Session.State == SessionState.Finalized;
        engine.Save(s => s with { State = SessionState.Stopping, Phase = SessionPhase.Stop });
        await CleanUpAsync(keepProduction: finalized, cancellationToken).ConfigureAwait(false);
        engine.Save(s => s with { State = SessionState.Stopped, EndedAt = engine.Now });
    }

    private async Task FailAsync(string reason)
    {
        engine.Warn($"The session failed: {reason}");
        engine.Save(s => s with { Error = reason, Phase = SessionPhase.Stop });
        await CleanUpAsync(keepProduction: false, CancellationToken.None).ConfigureAwait(false);
        engine.Save(s => s with { State = SessionState.Failed, EndedAt = engine.Now });
    }

    private async Task CleanUpAsync(bool keepProduction, CancellationToken cancellationToken)
    {
        const SessionPhase phase = SessionPhase.Stop;
        engine.ForgetDone(phase);
        await engine.TryStepAsync(phase, "Detach the disk", async ct =>
        {
            DiskTarget target;
            try
            {
                target = await targets.FindAsync(Plan.TargetVm, Session.HostId, ct).ConfigureAwait(false);
            }
            catch (HostException e)
            {
                // A VM that no longer runs took the disk with it; one never attached to has nothing to let go of.
                throw new StepSkippedException(Session.ReadyAt is null
                    ? $"the disk was never attached ({e.Message.TrimEnd('.')})"
                    : $"the VM is not reachable, and a VM that stopped holds no disk ({e.Message.TrimEnd('.')})");
            }

            await using (target.ConfigureAwait(false))
            {
                if (!keepProduction && Session.ProductionDisks.Count > 0)
                {
                    foreach (var problem in await target.Hotplug.AbandonMirrorAsync(Disk()).ConfigureAwait(false))
                        engine.Warn(problem);
                }

                return await target.Hotplug.DetachAsync(Plan.DiskId, DetachTimeout, ct).ConfigureAwait(false);
            }
        }, cancellationToken).ConfigureAwait(false);

        await stop.UnpublishStepsAsync(phase, cancellationToken, tolerateFailures: true).ConfigureAwait(false);

        if (!keepProduction && Session.ProductionDisks.Count > 0 && services.Hosts.Get(Session.HostId).Network is null)
        {
            await engine.TryStepAsync(phase, "Delete the unfinished production file", _ =>
            {
                foreach (var file in Session.ProductionDisks)
                    File.Delete(file);
                var files = string.Join(", ", Session.ProductionDisks);
                engine.Save(s => s with { ProductionDisks = [] });
                return Task.FromResult<string?>($"deleted {files}");
            }, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task CheckAsync(CancellationToken cancellationToken)
    {
        const SessionPhase phase = SessionPhase.Initialization;
        await engine.StepAsync(phase, "Find the restore point and its disk", _ =>
        {
            var found = services.Repositories.Find(Session.Vm, Session.RequestedRestorePoint);
            var point = found.RestorePoint;
            if (point.Disks.All(d => d.Index != Plan.Disk))
            {
                throw new SessionStepException(
                    $"Restore point {point.Id} of VM {Session.Vm} has no disk {Plan.Disk}: it has {point.Disks.Count} (0 to {point.Disks.Count - 1}); attach one of those.");
            }

            engine.Save(s => s with { RestorePointId = point.Id, RepositoryPath = found.RepositoryPath, DiskSizes = [.. point.Disks.Select(d => d.Size)] });
            var size = point.Disks.First(d => d.Index == Plan.Disk).Size;
            return Task.FromResult<string?>($"restore point {point.Id} of {Contracts.ZonedTime.Format(point.Time, seconds: true)} in {found.RepositoryPath}; disk {Plan.Disk} of {point.Disks.Count}, {Mib.Of(size)} MiB");
        }, cancellationToken).ConfigureAwait(false);

        await engine.StepAsync(phase, "Check the restore point's chunks", ct =>
        {
            using var repository = Inventory.RepositoryRegistry.Open(Session.RepositoryPath!);
            var presence = repository.CheckChunksPresent(Session.RestorePointId!, ct);
            if (!presence.Ok)
            {
                throw new SessionStepException(
                    $"Restore point {Session.RestorePointId} is damaged: {presence.MissingChunks} chunk(s) missing (chunk {presence.Missing[0].ChunkId} {presence.Missing[0].Reason}); attach the disk of another restore point and verify the repository.");
            }

            return Task.FromResult<string?>($"{presence.Chunks} chunks present in {presence.Packs} pack(s)");
        }, cancellationToken).ConfigureAwait(false);

        await engine.StepAsync(phase, $"Find the running VM {Plan.TargetVm}", async ct =>
        {
            await using var target = await targets.FindAsync(Plan.TargetVm, Session.HostId, ct).ConfigureAwait(false);
            if (await target.Hotplug.IsAttachedAsync(Plan.DiskId, ct).ConfigureAwait(false))
                return $"VM {Plan.TargetVm} runs on host {Session.HostId} and has the disk already (from before a restart)";
            return $"VM {Plan.TargetVm} runs on host {Session.HostId}; the disk will be {Plan.DiskId} in it";
        }, cancellationToken).ConfigureAwait(false);

        await engine.StepAsync(phase, "Check the cache space", _ => Task.FromResult<string?>(CacheSpace.Check(Session, services)), cancellationToken).ConfigureAwait(false);
    }

    private async Task PublishAsync(CancellationToken cancellationToken)
    {
        await engine.StepAsync(SessionPhase.NfsMapping, $"Publish disk {Plan.Disk}", async ct =>
        {
            var host = services.MountServer.Host;
            var network = services.Hosts.Get(Session.HostId).Network;
            var publication = Session.Publication is { } name ? host.Publications.FirstOrDefault(p => p.Name == name) : null;
            if (publication is null)
            {
                publication = await services.MountServer.PublishAsync(Session.Vm, Session.RestorePointId, Session.RedirectWritesTo, Session.RepositoryPath, network, ct).ConfigureAwait(false);
                var url = PublishedDiskUrls.For(publication, Session.Protocol)[Plan.Disk];
                engine.Save(s => s with { Publication = publication.Name, CacheFolder = publication.CacheFolder, DiskUrls = [url] });
            }

            return $"{Session.DiskUrls[0]}; writes go to {publication.CacheFolder}, the backup is never written";
        }, cancellationToken).ConfigureAwait(false);
    }

    private async Task<DiskTarget> FindTargetAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await targets.FindAsync(Plan.TargetVm, Session.HostId, cancellationToken).ConfigureAwait(false);
        }
        catch (HostException e)
        {
            throw new SessionStepException(e.Message, e);
        }
    }

    /// <summary>Undoes a failed migration: the job and the unfinished file go; the disk stays attached from the backup.</summary>
    private async Task AbandonAsync(string reason)
    {
        try
        {
            await using var target = await targets.FindAsync(Plan.TargetVm, Session.HostId, CancellationToken.None).ConfigureAwait(false);
            foreach (var problem in await target.Hotplug.AbandonMirrorAsync(Disk()).ConfigureAwait(false))
                engine.Warn(problem);
        }
        catch (HostException e)
        {
            engine.Warn($"The mirror could not be undone in VM {Plan.TargetVm}: {e.Message}");
        }

        if (services.Hosts.Get(Session.HostId).Network is null)
        {
            foreach (var file in Session.ProductionDisks.Where(File.Exists))
                File.Delete(file);
        }

        engine.Warn($"The migration failed and was undone; the disk is still attached from the backup: {reason}");
        engine.Save(s => s with { State = SessionState.Ready, Phase = SessionPhase.Attaching, Migration = null, ProductionDisks = [], MigrationError = reason });
    }

    private HotplugDisk Disk() => new(Plan.DiskId, Session.DiskUrls[0], Session.DiskSizes[Plan.Disk]);

    private string ProductionPath(string folder, bool qcow2) =>
        services.Hosts.Get(Session.HostId).Network is null
            ? Path.Combine(Path.GetFullPath(folder), $"{Session.Vm}-disk{Plan.Disk}-{Session.Id}.{(qcow2 ? "qcow2" : "raw")}")
            : $"{folder.TrimEnd('/')}/{Session.Vm}-disk{Plan.Disk}-{Session.Id}.{(qcow2 ? "qcow2" : "raw")}";
}
