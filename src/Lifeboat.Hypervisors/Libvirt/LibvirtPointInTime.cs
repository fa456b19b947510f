using System.Diagnostics;
using System.Xml.Linq;
using Lifeboat.Hypervisors.Qemu;
using Lifeboat.Hypervisors.Qemu.LiveBackup;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lifeboat.Hypervisors.Libvirt;

/// <summary>
/// A point in time of a running libvirt domain through libvirt's backup API in pull mode: <c>virsh backup-begin</c>
/// with an NBD server where <see cref="LibvirtBackupServer"/> says (a unix socket and scratch files in the work folder
/// here; TCP, TLS for <c>qemu+tls://</c>, on a remote host, with each scratch file beside its disk there, named for
/// the new checkpoint, which libvirt deletes when the job ends), and a new checkpoint (a persistent dirty bitmap per disk) in the same step; incremental from the checkpoint the last restore point recorded (<see cref="LibvirtCheckpointChain"/>). Ended
/// by aborting the job. Every call goes over one libvirt connection (<see cref="LibvirtBackupDomain"/>), the first
/// ones side by side. Completing deletes the old checkpoint; aborting deletes the new one, which makes
/// libvirt merge its bitmap back into the old one, so the next backup misses nothing.
/// </summary>
public sealed class LibvirtPointInTime : LivePointInTime
{
    private const string ScratchExtension = ".scratch.qcow2";
    private const int MaxPortAttempts = 8;

    private const int AgentTimeoutSeconds = 5;

    private readonly LibvirtBackupDomain _libvirt;
    private readonly string _domain;
    private LibvirtBackupServer? _server;
    private Dictionary<string, string> _diskFiles = [];
    private string? _baseCheckpoint;
    private string? _newCheckpoint;
    private bool _jobStarted;

    private LibvirtPointInTime(LibvirtBackupDomain libvirt, QemuLiveBackupOptions options, LiveBackupWorkFolder work, ILogger logger)
        : base(options, work, logger)
    {
        _libvirt = libvirt;
        _domain = libvirt.Name;
    }

    public override LiveBackupNbdServer NbdServer => _server?.NbdServer ?? LiveBackupNbdServer.Unix(Work.NbdSocketPath);

    private protected override string TeardownStep => "tearing down the libvirt backup";

    /// <summary>Starts a point in time of every disk of <paramref name="domain"/>. <see cref="QemuLiveBackupOptions.TrackedBitmaps"/> name checkpoints here.</summary>
    /// <exception cref="LibvirtException">libvirt refused a step.</exception>
    public static async Task<LibvirtPointInTime> StartAsync(string connectUri, string domain, QemuLiveBackupOptions options, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        var work = LiveBackupWorkFolder.Open(options.WorkDirectory, ScratchExtension, (message, inner) => inner is null ? new LibvirtException(message) : new LibvirtException(message, inner));
        LibvirtBackupDomain libvirt;
        try
        {
            libvirt = await LibvirtBackupDomain.OpenAsync(connectUri, domain, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            work.Dispose();
            throw;
        }

        return await StartOrAbortAsync(new LibvirtPointInTime(libvirt, options, work, logger ?? NullLogger.Instance), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The backup was committed: ends the job and deletes the checkpoint it was incremental from.</summary>
    private protected override async Task EndCompletedAsync(CancellationToken cancellationToken)
    {
        using (_libvirt)
        {
            await EndJobAsync(cancellationToken).ConfigureAwait(false);
            if (_baseCheckpoint is not null)
            {
                await _libvirt.DeleteCheckpointAsync(_baseCheckpoint, metadataOnly: false, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The backup failed: ends the job and deletes the new checkpoint, which libvirt merges into its parent's.</summary>
    private protected override async Task<bool> EndAbortedAsync()
    {
        using (_libvirt)
        {
            await EndJobAsync(CancellationToken.None).ConfigureAwait(false);
            if (_newCheckpoint is null)
            {
                return false;
            }

            await _libvirt.DeleteCheckpointAsync(_newCheckpoint, metadataOnly: false, CancellationToken.None).ConfigureAwait(false);
            return true;
        }
    }

    private protected override bool IsTeardownFailure(Exception exception) => exception is LibvirtException;

    private protected override async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        // Side by side: none of these changes anything the others read.
        var leftoverJob = _libvirt.BackupXmlAsync(cancellationToken);
        var thawed = Options.DiscoverGuestAgent ? ThawIfLeftFrozenAsync(cancellationToken) : Task.CompletedTask;
        var id = _libvirt.IdAsync(cancellationToken);
        var xml = _libvirt.XmlAsync(cancellationToken);
        var checkpoints = _libvirt.CheckpointNamesAsync(cancellationToken);
        var server = LibvirtBackupServer.ForAsync(_libvirt.ConnectUri, Work.NbdSocketPath, cancellationToken);
        await Task.WhenAll(leftoverJob, thawed, id, xml, checkpoints, server).ConfigureAwait(false);
        if (await leftoverJob.ConfigureAwait(false) is not null)
        {
            QemuLog.LeftoversFound(Logger, 1, 1, 0);
            await _libvirt.AbortJobAsync(cancellationToken).ConfigureAwait(false);
        }

        Work.DeleteWorkFiles();
        SourceIdentity = $"libvirt {_libvirt.Uuid} id {await id.ConfigureAwait(false)}";
        HardwareText = await xml.ConfigureAwait(false);
        var disks = LibvirtBackupDocuments.Disks(HardwareText);
        if (disks.Count == 0)
        {
            throw new LibvirtException($"Domain {_domain} has no disk to back up.");
        }

        _server = await server.ConfigureAwait(false);
        _diskFiles = LibvirtBackupDocuments.DiskFiles(HardwareText);
        if (_server.IsRemote && disks.FirstOrDefault(d => !_diskFiles.ContainsKey(d.Target)) is { Target: { } notFile })
        {
            throw new LibvirtException($"Disk {notFile} of domain {_domain} is not a file; on a remote host the backup's scratch file goes beside each disk, so back up domains whose disks are files there.");
        }

        (_baseCheckpoint, var reason) = await new LibvirtCheckpointChain(_libvirt, Options, Logger)
            .ReconcileAsync([.. disks.Select(d => d.Target)], await checkpoints.ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        _newCheckpoint = DirtyBitmapName.New(Options.Vm);
        string checkpointXml = CheckpointXml(disks);

        bool freeze = Options.DiscoverGuestAgent;
        string? freezeFailure = null;
        var clock = Stopwatch.StartNew();
        try
        {
            if (freeze)
            {
                try
                {
                    await _libvirt.FreezeAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (LibvirtException ex)
                {
                    freezeFailure = $"the guest agent could not freeze the file systems ({ex.Message})";
                }
            }

            if (Options.BeforePointInTime is { } before)
            {
                await before(cancellationToken).ConfigureAwait(false);
            }

            try
            {
                await BeginAsync(disks, checkpointXml, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                _newCheckpoint = null;
                throw;
            }

            _jobStarted = true;
            if (Options.AfterPointInTime is { } after)
            {
                await after(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            if (freeze)
            {
                try
                {
                    await _libvirt.ThawAsync(CancellationToken.None).ConfigureAwait(false);
                }
                catch (LibvirtException) when (freezeFailure is not null)
                {
                    // Nothing was frozen.
                }
                catch (LibvirtException ex)
                {
                    QemuLog.ThawFailed(Logger, Options.Vm, ex.Message);
                }
            }
        }

        if (freeze && freezeFailure is null)
        {
            Consistency = ConsistencyKinds.FileSystem;
            FrozenMilliseconds = clock.Elapsed.TotalMilliseconds;
            QemuLog.GuestFrozen(Logger, Options.Vm, FrozenMilliseconds.Value);
        }
        else
        {
            CrashConsistentReason = freezeFailure ?? "no guest agent was given";
            QemuLog.CrashConsistent(Logger, Options.Vm, CrashConsistentReason);
        }

        var exports = LibvirtBackupDocuments.Exports(await _libvirt.BackupXmlAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new LibvirtException($"libvirt's backup job of domain {_domain} ended as soon as it began."));
        foreach (var (target, driver) in disks)
        {
            if (!exports.TryGetValue(target, out var export))
            {
                throw new LibvirtException($"libvirt's backup of domain {_domain} exports no disk {target}.");
            }

            string? changed = reason is null ? export.Bitmap : null;
            if (reason is null && changed is null)
            {
                throw new LibvirtException($"libvirt's incremental backup of domain {_domain} exports no bitmap for disk {target}.");
            }

            StartedDisks.Add(new LiveBackupDisk(target, target, driver, 0, export.Name, changed, reason, _newCheckpoint));
        }

        QemuLog.PointInTimeStarted(Logger, Options.Vm, StartedDisks.Count, NbdServer.ToString());
    }

    /// <summary>
    /// Begins the backup job; on a remote host another port is tried while the one picked is taken there (libvirt
    /// starts the NBD server before the transaction that makes the checkpoint, and rolls everything back when it fails).
    /// </summary>
    private async Task BeginAsync(List<(string Target, string Driver)> disks, string checkpointXml, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await _libvirt.BeginBackupAsync(BackupXml(disks), checkpointXml, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (LibvirtException ex) when (_server!.IsRemote && LibvirtBackupServer.IsPortTaken(ex) && attempt < MaxPortAttempts)
            {
                var taken = _server.Port;
                _server.NextPort();
                QemuLog.BackupPortTaken(Logger, Options.Vm, taken, _server.Port);
            }
        }
    }

    private string BackupXml(List<(string Target, string Driver)> disks)
    {
        var backup = new XElement("domainbackup", new XAttribute("mode", "pull"));
        if (_baseCheckpoint is not null)
        {
            backup.Add(new XElement("incremental", _baseCheckpoint));
        }

        backup.Add(_server!.ServerXml());
        backup.Add(new XElement("disks", disks.Select(d => new XElement(
            "disk",
            new XAttribute("name", d.Target),
            new XAttribute("backup", "yes"),
            new XAttribute("type", "file"),
            new XElement("scratch", new XAttribute("file", ScratchFile(d.Target)))))));
        return backup.ToString();
    }

    /// <summary>
    /// Here, in the work folder. On a remote host, beside the disk (a folder its QEMU writes to), named for this
    /// backup's checkpoint: libvirt refuses a scratch file that exists, and deletes the one it made when the job ends.
    /// (libvirt 9.0 would name one itself only for a disk without type, which its schema does not allow.)
    /// </summary>
    private string ScratchFile(string target) =>
        _server!.IsRemote ? $"{_diskFiles[target]}.{_newCheckpoint}.scratch.qcow2" : Work.ScratchImage(target);

    private string CheckpointXml(List<(string Target, string Driver)> disks) => new XElement(
        "domaincheckpoint",
        new XElement("name", _newCheckpoint),
        new XElement("disks", disks.Select(d => new XElement("disk", new XAttribute("name", d.Target), new XAttribute("checkpoint", "bitmap"))))).ToString();

    /// <summary>A backup killed between freeze and thaw leaves the guest frozen: it would not write again until thawed.</summary>
    private async Task ThawIfLeftFrozenAsync(CancellationToken cancellationToken)
    {
        string status;
        try
        {
            status = await _libvirt.AgentCommandAsync("{\"execute\":\"guest-fsfreeze-status\"}", AgentTimeoutSeconds, cancellationToken).ConfigureAwait(false);
        }
        catch (LibvirtException)
        {
            // No agent, or it does not answer: the freeze that follows says so.
            return;
        }

        if (status.Contains("\"frozen\"", StringComparison.Ordinal))
        {
            await _libvirt.ThawAsync(cancellationToken).ConfigureAwait(false);
            QemuLog.ThawedLeftFrozen(Logger, Options.Vm);
        }
    }

    private async Task EndJobAsync(CancellationToken cancellationToken)
    {
        if (_jobStarted)
        {
            _jobStarted = false;
            await _libvirt.AbortJobAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
