using System.Globalization;
using Lifeboat.Hypervisors.Qemu;
using Lifeboat.Server.Inventory;
using Lifeboat.MountServer.Publishing;

namespace Lifeboat.Server.Sessions;

/// <summary>Initialization, NFS mapping, registering and starting: from the request to a guest that answers.</summary>
internal sealed partial class SessionRunner
{
    private const string PowerOnStep = "Power on the VM";
    private const int BootRegionBytes = 1024 * 1024;

    private async Task RecoverAsync(CancellationToken cancellationToken)
    {
        try
        {
            await WaitForVerificationSlotAsync(cancellationToken).ConfigureAwait(false);
            // Until the publication holds the repository's lock, a job's retention must not remove what this session found.
            using (await _services.Retention.EnterRecoveryAsync(cancellationToken).ConfigureAwait(false))
            {
                await InitializeAsync(cancellationToken).ConfigureAwait(false);
                await MapAsync(cancellationToken).ConfigureAwait(false);
            }

            await RegisterAndStartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SessionStepException e)
        {
            if (IsVerification)
                await FailVerificationAsync(e.Message, [], null).ConfigureAwait(false);
            else
                await FailAsync(e.Message).ConfigureAwait(false);
            return;
        }

        if (IsVerification)
        {
            await VerifyAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        if (Session.Migration is not null)
            await MigrateAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task InitializeAsync(CancellationToken cancellationToken)
    {
        const SessionPhase phase = SessionPhase.Initialization;
        await StepAsync(phase, "Find the restore point", _ =>
        {
            var found = _services.Repositories.Find(Session.Vm, Session.RequestedRestorePoint);
            var point = found.RestorePoint;
            Save(s => s with
            {
                RestorePointId = point.Id,
                RepositoryPath = found.RepositoryPath,
                DiskSizes = [.. point.Disks.Select(d => d.Size)],
                Hardware = point.VmConfig?.Hardware,
            });
            return Task.FromResult<string?>(
                $"restore point {point.Id} of {point.Time:yyyy-MM-dd HH:mm:ss}Z, {point.Disks.Count} disk(s), in {found.RepositoryPath}");
        }, cancellationToken).ConfigureAwait(false);

        await StepAsync(phase, "Check the repository", _ =>
        {
            var path = Session.RepositoryPath!;
            try
            {
                using var repository = RepositoryRegistry.Open(path);
                var own = string.Equals(Path.GetFullPath(path), Path.GetFullPath(_services.MountServer.RepositoryPath), StringComparison.Ordinal);
                return Task.FromResult<string?>(
                    $"{path} is reachable ({(own ? "the server's own" : "registered")}, block size {repository.Config.BlockSize / 1024} KiB, {repository.Config.Compression.ToString().ToLowerInvariant()})");
            }
            catch (Exception e) when (e is Repository.RepositoryException or IOException or UnauthorizedAccessException)
            {
                throw new SessionStepException(
                    $"Repository {path} cannot be opened ({e.Message.TrimEnd('.')}); make it reachable from the server, or recover from another restore point with --restore-point ID.", e);
            }
        }, cancellationToken).ConfigureAwait(false);

        await StepAsync(phase, "Check the restore point's chunks", ct =>
        {
            using var repository = RepositoryRegistry.Open(Session.RepositoryPath!);
            var presence = repository.CheckChunksPresent(Session.RestorePointId!, ct);
            if (!presence.Ok)
            {
                var first = presence.Missing[0];
                var where = first.Affected.Count > 0 && first.Affected[0].Offsets.Count > 0
                    ? $" at offset {first.Affected[0].Offsets[0]} of disk {first.Affected[0].DiskIndex}" : "";
                throw new SessionStepException(
                    $"Restore point {Session.RestorePointId} is damaged: {presence.MissingChunks} chunk(s) missing (chunk {first.ChunkId}{where} {first.Reason}); recover from another restore point with --restore-point ID and run `lifeboat verify` on the repository.");
            }

            var boot = CheckBootRegion(repository, presence);
            return Task.FromResult<string?>(
                $"{presence.Chunks} chunks ({Mib(presence.StoredBytes)} MiB stored) for {presence.Blocks} blocks ({presence.ZeroBlocks} zero) present in {presence.Packs} pack(s); {boot}");
        }, cancellationToken).ConfigureAwait(false);

        await StepAsync(phase, "Check the mount server", async ct =>
        {
            var nfs = _services.MountServer.Host.Nfs;
            if (nfs.PortmapMode == Nfs.Server.PortmapMode.Off)
            {
                throw new SessionStepException(
                    $"QEMU cannot find the mount server: nothing answers portmap on port {_services.Options.PortmapPort} for it; free that port or start rpcbind, then restart the Lifeboat server.");
            }

            await MountServerPortmapCheck.EnsureAsync(_services.Options.PortmapPort, nfs.Port, ct).ConfigureAwait(false);
            return $"NFS on {nfs.LocalEndPoint}, export {nfs.Datastore.ExportPath}, portmap {nfs.PortmapMode} answers port {nfs.Port} for MOUNT and NFS";
        }, cancellationToken).ConfigureAwait(false);

        await StepAsync(phase, "Check the cache space", _ =>
        {
            var folder = Session.RedirectWritesTo ?? _services.Data.Cache;
            Directory.CreateDirectory(folder);
            var free = new DriveInfo(Path.GetFullPath(folder)).AvailableFreeSpace;
            var reserve = _services.Options.CacheReserveBytes;
            if (free < reserve)
            {
                throw new SessionStepException(
                    $"The cache folder {folder} has {Mib(free)} MiB free and sessions keep {Mib(reserve)} MiB for the VM's writes; free space there, give --redirect-writes-to a folder with room, or start the server with a smaller --cache-reserve.");
            }

            return Task.FromResult<string?>($"{folder}: {Mib(free)} MiB free, {Mib(reserve)} MiB reserved");
        }, cancellationToken).ConfigureAwait(false);

        await StepAsync(phase, "Check the host", _ =>
        {
            var hardware = Session.Hardware;
            var firmware = CheckFirmware(hardware?.Firmware);
            if (ReadyCondition.Parse(Session.ReadyWhen).Kind == ReadyConditionKind.Agent && hardware?.GuestAgent != true)
            {
                throw new SessionStepException(
                    $"--ready-when agent needs a QEMU guest agent channel, and the backup recorded VM {Session.Vm} without one; recover with --ready-when console:TEXT or running, or give the VM the channel (libvirt: <channel type='unix'><target type='virtio' name='{Repository.VmHardware.GuestAgentChannelName}'/></channel>; JSON: \"guestAgent\": true) and back it up again.");
            }

            if (Session.Verification is { Checks.Count: > 0 } && hardware?.GuestAgent != true)
            {
                throw new SessionStepException(
                    $"The checks run through the QEMU guest agent, and the backup recorded VM {Session.Vm} without an agent channel; verify without --check, or give the VM the channel (libvirt: <channel type='unix'><target type='virtio' name='{Repository.VmHardware.GuestAgentChannelName}'/></channel>; JSON: \"guestAgent\": true) and back it up again.");
            }

            var description = Describe();
            var isolation = Session.Verification is null ? "" : "; isolated: no network";
            return Task.FromResult<string?>($"{_services.Host.CheckCanRun(description.Cpus, description.MemoryMiB)}; {firmware}{isolation}");
        }, cancellationToken).ConfigureAwait(false);

        await StepAsync(phase, "Start the data mover", _ => Task.FromResult<string?>(
            "in-process: the repository is local to the mount server, which reads it directly"), cancellationToken).ConfigureAwait(false);
    }

    private async Task MapAsync(CancellationToken cancellationToken)
    {
        await StepAsync(SessionPhase.NfsMapping, "Publish the VM in the datastore", async ct =>
        {
            var host = _services.MountServer.Host;
            var publication = Session.Publication is { } name ? host.Publications.FirstOrDefault(p => p.Name == name) : null;
            if (publication is null)
            {
                publication = await host.PublishAsync(Session.Vm, Session.RestorePointId, Session.RedirectWritesTo, Session.RepositoryPath, cancellationToken: ct).ConfigureAwait(false);
                var urls = DiskUrlsFor(publication);
                Save(s => s with { Publication = publication.Name, CacheFolder = publication.CacheFolder, DiskUrls = urls });
            }

            var over = Session.Protocol == DiskProtocols.Nbd ? "over NBD" : "over NFS";
            var boot = StartBootProfile(publication.Name);
            return $"{over}: {string.Join(", ", DiskUrlsFor(publication))}; writes go to {publication.CacheFolder}; {boot}";
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The URLs the VM's disks are defined with: the datastore's files, or the NBD exports of the same disks, on the
    /// mount server's unix socket when it has one (the sessions' QEMU runs on this host), else over TCP.
    /// </summary>
    private IReadOnlyList<string> DiskUrlsFor(PublicationInfo publication)
    {
        if (Session.Protocol != DiskProtocols.Nbd)
            return publication.DiskUrls;
        if (publication.NbdUnixUrls.Count == publication.DiskUrls.Count && publication.NbdUnixUrls.Count > 0)
            return publication.NbdUnixUrls;
        if (publication.NbdUrls.Count != publication.DiskUrls.Count)
            throw new InvalidOperationException($"The mount server serves no NBD exports for publication {publication.Name}; recover with --protocol nfs.");
        return publication.NbdUrls;
    }

    private async Task RegisterAndStartAsync(CancellationToken cancellationToken)
    {
        const SessionPhase phase = SessionPhase.RegisteringAndStarting;
        await StepAsync(phase, "Define the VM", _ =>
        {
            var description = Describe();
            var folder = _services.Data.VmRuntime(Session.Id);
            var socket = new QemuVmPaths(folder).QmpSocket;
            if (System.Text.Encoding.UTF8.GetByteCount(socket) > QmpClient.MaxSocketPathBytes)
            {
                throw new SessionStepException(
                    $"The VM's monitor socket {socket} is longer than a unix socket path may be; start the server with a shorter --data folder.");
            }

            Directory.CreateDirectory(folder);
            Save(s => s with { RuntimeDirectory = folder });
            var boot = description.Kernel is null ? "boots from disk0" : $"direct kernel boot of {description.Kernel}";
            return Task.FromResult<string?>(
                $"{description.Name}: {description.Cpus} CPU(s), {description.MemoryMiB} MiB, {description.Disks.Count} {(description.Disks.Count > 0 ? description.Disks[0].Bus.ToString().ToLowerInvariant() : "")} disk(s), NIC {description.Nic}, {boot}; runtime folder {folder}");
        }, cancellationToken).ConfigureAwait(false);

        await StepAsync(phase, PowerOnStep, async ct =>
        {
            if (!Session.PowerOn)
                throw new SkipStepException("not powered on (--no-power-on)");
            var folder = Session.RuntimeDirectory!;
            if (VmRuntimeFolder.RunningProcess(folder) is not null)
            {
                _vm ??= await QemuVm.AttachAsync(folder, _logger, ct).ConfigureAwait(false);
                return $"already running as process {_vm.ProcessId}";
            }

            var launcher = new QemuLauncher(_logger) { QemuBinary = _services.Options.QemuBinary };
            _vm = await launcher.StartAsync(Describe(), folder, ct).ConfigureAwait(false);
            return $"process {_vm.ProcessId}, {QemuAccelerator.Detect(_logger).ToString().ToUpperInvariant()}";
        }, cancellationToken).ConfigureAwait(false);

        await StepAsync(phase, "Wait for the guest", ct => IsVerification ? WaitUnlessDamagedAsync(WaitForGuestAsync, ct) : WaitForGuestAsync(ct), cancellationToken).ConfigureAwait(false);

        // Ready only once the step that saw the guest answer is recorded as ended: a client that sees Ready finds
        // every step of the phase ended. (A step done before a restart was not run again: it answered then.)
        if (Session.State == SessionState.Starting)
            Save(s => s with { ReadyAt = s.PowerOn ? _guestAnsweredAt ?? Now : null, State = SessionState.Ready });
    }

    private async Task<string?> WaitForGuestAsync(CancellationToken ct)
    {
        if (!Session.PowerOn)
            throw new SkipStepException("the VM was not powered on");
        var vm = RequireVm();
        var condition = ReadyCondition.Parse(Session.ReadyWhen);
        var timeout = TimeSpan.FromSeconds(Session.ReadyTimeoutSeconds);
        string answer;
        if (condition.Kind == ReadyConditionKind.Agent)
        {
            try
            {
                await vm.WaitForAgentAsync(timeout, ct).ConfigureAwait(false);
                answer = "the QEMU guest agent answered guest-ping";
            }
            catch (TimeoutException e)
            {
                throw new SessionStepException(
                    $"The guest's QEMU guest agent did not answer within {timeout.TotalSeconds:0.#} s; read its console with `lifeboat session console {Session.Id}` to see how far it booted, then recover with a longer --ready-timeout, or with --ready-when console:TEXT or running if the guest runs no qemu-ga.", e);
            }
            catch (QemuException e)
            {
                throw new SessionStepException(
                    $"The guest agent could not answer: {e.Message.TrimEnd('.')}; read its console with `lifeboat session console {Session.Id}`.", e);
            }
        }
        else if (condition.Kind == ReadyConditionKind.Console)
        {
            try
            {
                var line = await vm.WaitForConsoleAsync(condition.ConsoleText!, timeout, ct).ConfigureAwait(false);
                answer = $"the console printed \"{line.Trim()}\"";
            }
            catch (TimeoutException e)
            {
                throw new SessionStepException(
                    $"The guest did not print \"{condition.ConsoleText}\" within {timeout.TotalSeconds:0.#} s; read its console with `lifeboat session console {Session.Id}`, then recover with a longer --ready-timeout or another --ready-when.", e);
            }
            catch (QemuException e)
            {
                throw new SessionStepException(
                    $"The VM stopped before the guest printed \"{condition.ConsoleText}\"; read its console with `lifeboat session console {Session.Id}`.", e);
            }
        }
        else
        {
            var status = await vm.QueryStatusAsync(ct).ConfigureAwait(false);
            if (!status.Running)
                throw new SessionStepException($"QEMU reports the VM {status.Status}, not running; see {vm.Paths.QemuLog}.");
            answer = "QEMU reports it running";
        }

        // The recovery time ends when the guest answered, not when the boot profile is kept after it.
        _guestAnsweredAt = Now;
        var boot = FinishBootProfile();
        return $"{answer}; {boot}";
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
                    $"Restore point {Session.RestorePointId} is damaged where the VM boots from: disk {e.DiskIndex} at offset {e.DiskOffset}, chunk {e.ChunkId} {e.Reason}; recover from another restore point with --restore-point ID and run `lifeboat verify` on the repository.", e);
            }
        }

        return $"the first {BootRegionBytes / (1024 * 1024)} MiB and the last block of each disk read and checked";
    }

    /// <summary>What the VM boots with, as the step shows it; fails when the host cannot offer the recorded firmware.</summary>
    private string CheckFirmware(string? recorded)
    {
        if (RecordedVm.IsUefi(recorded))
        {
            var ovmf = OvmfFirmware.Find() ?? throw new SessionStepException(
                $"The VM boots with UEFI firmware and host {_services.Host.Name} has no OVMF in {OvmfFirmware.DebianFolder}; install the Debian package {OvmfFirmware.DebianPackage} there and recover again.");
            return $"UEFI firmware {ovmf.Code}";
        }

        if (recorded is not null && !recorded.Equals("bios", StringComparison.OrdinalIgnoreCase))
            throw new SessionStepException($"The VM's recorded firmware '{recorded}' is neither bios nor efi; correct the VM configuration it was backed up with and back it up again.");
        return "BIOS firmware (SeaBIOS)";
    }

    private QemuVmDescription Describe()
    {
        var session = Session;
        var name = VmName(session.Publication ?? session.Vm);
        var description = RecordedVm.Describe(name, session.Hardware, session.DiskUrls) with { FirmwareConfig = session.FirmwareConfig };
        // A verification boots in isolation: no network at all, and a display so that its console can be kept as a picture.
        return session.Verification is null ? description : description with { Nic = QemuNicModel.None, Display = true };
    }

    /// <summary>QEMU names VMs with letters, digits, '.', '_' and '-' only.</summary>
    private static string VmName(string name)
    {
        var chars = name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '-').Take(64).ToArray();
        return chars.Length == 0 ? "vm" : new string(chars);
    }

    private static string Mib(long bytes) => (bytes / (1024 * 1024)).ToString("N0", CultureInfo.InvariantCulture);
}
