using Lifeboat.Hypervisors.Qemu;
using Lifeboat.MountServer.Publishing;
using Lifeboat.Server.Inventory;
using Lifeboat.Server.Sessions.Engine;

namespace Lifeboat.Server.Sessions;

/// <summary>
/// Initialization: the restore point found and its chunks checked, the mount server, the cache space and the host
/// checked, before anything is published or defined.
/// </summary>
internal sealed class RecoveryChecks(SessionEngine engine, SessionVm vm, SessionServices services)
{
    private const int BootRegionBytes = 1024 * 1024;

    private SessionRecord Session => engine.Session;

    /// <param name="restorePointFound">Called once the restore point (and so the VM's hardware) is known, before the other checks.</param>
    public async Task RunAsync(Action restorePointFound, CancellationToken cancellationToken)
    {
        const SessionPhase phase = SessionPhase.Initialization;
        await engine.StepAsync(phase, "Find the restore point", _ =>
        {
            var found = services.Repositories.Find(Session.Vm, Session.RequestedRestorePoint);
            var point = found.RestorePoint;
            engine.Save(s => s with
            {
                RestorePointId = point.Id,
                RepositoryPath = found.RepositoryPath,
                DiskSizes = [.. point.Disks.Select(d => d.Size)],
                Hardware = point.VmConfig?.Hardware,
            });
            return Task.FromResult<string?>(
                $"restore point {point.Id} of {Contracts.ZonedTime.Format(point.Time, seconds: true)}, {point.Disks.Count} disk(s), in {found.RepositoryPath}");
        }, cancellationToken).ConfigureAwait(false);
        restorePointFound();

        await engine.StepAsync(phase, "Check the repository", _ =>
        {
            var path = Session.RepositoryPath!;
            try
            {
                using var repository = RepositoryRegistry.Open(path);
                var own = string.Equals(Path.GetFullPath(path), Path.GetFullPath(services.MountServer.RepositoryPath), StringComparison.Ordinal);
                return Task.FromResult<string?>(
                    $"{path} is reachable ({(own ? "the server's own" : "registered")}, block size {repository.Config.BlockSize / 1024} KiB, {repository.Config.Compression.ToString().ToLowerInvariant()})");
            }
            catch (Exception e) when (e is Repository.RepositoryException or IOException or UnauthorizedAccessException)
            {
                throw new SessionStepException(
                    $"Repository {path} cannot be opened ({e.Message.TrimEnd('.')}); make it reachable from the server, or recover from another restore point.", e);
            }
        }, cancellationToken).ConfigureAwait(false);

        await engine.StepAsync(phase, "Check the restore point's chunks", ct =>
        {
            using var repository = RepositoryRegistry.Open(Session.RepositoryPath!);
            var presence = repository.CheckChunksPresent(Session.RestorePointId!, ct);
            if (!presence.Ok)
            {
                var first = presence.Missing[0];
                var where = first.Affected.Count > 0 && first.Affected[0].Offsets.Count > 0
                    ? $" at offset {first.Affected[0].Offsets[0]} of disk {first.Affected[0].DiskIndex}" : "";
                throw new SessionStepException(
                    $"Restore point {Session.RestorePointId} is damaged: {presence.MissingChunks} chunk(s) missing (chunk {first.ChunkId}{where} {first.Reason}); recover from another restore point and verify the repository.");
            }

            var boot = CheckBootRegion(repository, presence);
            return Task.FromResult<string?>(
                $"{presence.Chunks} chunks ({Mib.Of(presence.StoredBytes)} MiB stored) for {presence.Blocks} blocks ({presence.ZeroBlocks} zero) present in {presence.Packs} pack(s); {boot}");
        }, cancellationToken).ConfigureAwait(false);

        await engine.StepAsync(phase, "Check the mount server", async ct =>
        {
            var nfs = services.MountServer.Host.Nfs;
            if (nfs.PortmapMode == Nfs.Server.PortmapMode.Off)
            {
                throw new SessionStepException(
                    $"QEMU cannot find the mount server: nothing answers portmap on port {services.Options.PortmapPort} for it; free that port or start rpcbind, then restart the Lifeboat server.");
            }

            await MountServerPortmapCheck.EnsureAsync(services.Options.PortmapPort, nfs.Port, ct).ConfigureAwait(false);
            return $"NFS on {nfs.LocalEndPoint}, export {nfs.Datastore.ExportPath}, portmap {nfs.PortmapMode} answers port {nfs.Port} for MOUNT and NFS";
        }, cancellationToken).ConfigureAwait(false);

        await engine.StepAsync(phase, "Check the cache space", _ => Task.FromResult<string?>(CacheSpace.Check(Session, services)), cancellationToken).ConfigureAwait(false);

        await engine.StepAsync(phase, "Check the host", async ct =>
        {
            var hardware = Session.Hardware;
            CheckRecordedFirmware(hardware?.Firmware);
            if (ReadyCondition.Parse(Session.ReadyWhen).Kind == ReadyConditionKind.Agent && hardware?.GuestAgent != true)
            {
                throw new SessionStepException(
                    $"Ready when the guest agent answers needs a QEMU guest agent channel, and the backup recorded VM {Session.Vm} without one; let it be ready when the console shows a text or when QEMU runs, or give the VM the channel (libvirt: <channel type='unix'><target type='virtio' name='{Repository.VmHardware.GuestAgentChannelName}'/></channel>; JSON: \"guestAgent\": true) and back it up again.");
            }

            if (Session.Verification is { Checks.Count: > 0 } && hardware?.GuestAgent != true)
            {
                throw new SessionStepException(
                    $"The checks run through the QEMU guest agent, and the backup recorded VM {Session.Vm} without an agent channel; verify without checks, or give the VM the channel (libvirt: <channel type='unix'><target type='virtio' name='{Repository.VmHardware.GuestAgentChannelName}'/></channel>; JSON: \"guestAgent\": true) and back it up again.");
            }

            var isolation = Session.Verification is null ? "" : "; isolated: no network";
            return $"{await vm.Host.CheckAsync(vm.Spec(), ct).ConfigureAwait(false)}{isolation}";
        }, cancellationToken).ConfigureAwait(false);

        await engine.StepAsync(phase, "Start the data mover", _ => Task.FromResult<string?>(
            "in-process: the repository is local to the mount server, which reads it directly"), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads and checks, through the same path the mount server will, the blocks a boot touches first (each disk's
    /// first MiB: partition table, boot loader, and its last block: a GPT's backup header), so a damaged boot region
    /// fails here rather than in the guest. The rest is checked block by block as the guest reads it.
    /// </summary>
    private string CheckBootRegion(Repository.BackupRepository repository, Repository.ChunkPresenceReport presence)
    {
        var point = repository.GetRestorePoint(presence.RestorePointId);
        var buffer = new byte[BootRegionBytes];
        foreach (var disk in point.Disks)
        {
            using var reader = repository.OpenDisk(point.Id, disk.Index, cacheBytes: 0);
            try
            {
                reader.Read(0, buffer);
                var tail = (int)Math.Min(Math.Min(buffer.Length, reader.BlockSize), Math.Max(0, reader.Length - BootRegionBytes));
                reader.Read(reader.Length - tail, buffer.AsSpan(0, tail));
            }
            catch (Repository.CorruptChunkException e)
            {
                throw new SessionStepException(
                    $"Restore point {Session.RestorePointId} is damaged where the VM boots from: disk {e.DiskIndex} at offset {e.DiskOffset}, chunk {e.ChunkId} {e.Reason}; recover from another restore point and verify the repository.", e);
            }
        }

        return $"the first {BootRegionBytes / (1024 * 1024)} MiB and the last block of each disk read and checked";
    }

    /// <summary>The host says whether it has the firmware; what the backup recorded must name one first.</summary>
    private static void CheckRecordedFirmware(string? recorded)
    {
        if (recorded is not null && !RecordedVm.IsUefi(recorded) && !recorded.Equals("bios", StringComparison.OrdinalIgnoreCase))
            throw new SessionStepException($"The VM's recorded firmware '{recorded}' is neither bios nor efi; correct the VM configuration it was backed up with and back it up again.");
    }
}
