using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lifeboat.Hypervisors.Qemu.LiveBackup;

/// <summary>
/// A point in time of a running QEMU VM's disks, served over NBD while the VM runs on: per disk a qcow2 fleecing
/// image backed by the disk's node, filled by a <c>blockdev-backup sync=none</c> job (QEMU's copy-before-write
/// filter) with whatever the guest overwrites; started for all disks in one QMP transaction that also rotates each
/// disk's dirty bitmap, with the guest's file systems frozen around it when it has an agent. End it with
/// <see cref="CompleteAsync"/> once the backup is committed (the old bitmaps are dropped) or <see cref="AbortAsync"/>
/// (the new bitmaps are merged back into the old, so the next backup misses nothing); disposing aborts.
/// </summary>
public sealed class QemuPointInTime : ILivePointInTime
{
    private const string FleeceExtension = ".fleece.qcow2";
    private const int MaxErrorChars = 2000;

    private readonly QmpClient _qmp;
    private readonly QemuLiveBackupOptions _options;
    private readonly ILogger _logger;
    private readonly LiveBackupWorkFolder _work;
    private readonly List<string> _exports = [];
    private readonly List<string> _jobs = [];
    private readonly List<string> _nodes = [];
    private readonly List<LiveBackupDisk> _disks = [];
    private bool _serverStarted;
    private bool _transactionDone;
    private bool _ended;

    private QemuPointInTime(QmpClient qmp, QemuLiveBackupOptions options, LiveBackupWorkFolder work, ILogger logger)
    {
        _qmp = qmp;
        _options = options;
        _work = work;
        _logger = logger;
    }

    /// <summary>The unix socket of QEMU's NBD server; each disk's export is named <see cref="LiveBackupDisk.ExportName"/>.</summary>
    public string NbdSocketPath => _work.NbdSocketPath;

    public LiveBackupNbdServer NbdServer => LiveBackupNbdServer.Unix(NbdSocketPath);

    public IReadOnlyList<LiveBackupDisk> Disks => _disks;

    /// <summary><see cref="ConsistencyKinds.FileSystem"/> or <see cref="ConsistencyKinds.Crash"/>.</summary>
    public string Consistency { get; private set; } = ConsistencyKinds.Crash;

    /// <summary>How long the guest's file systems were frozen, or null when they were not.</summary>
    public double? FrozenMilliseconds { get; private set; }

    /// <summary>Why the point in time is only crash-consistent.</summary>
    public string? CrashConsistentReason { get; private set; }

    /// <summary>"pid@start" of the QEMU process (see <see cref="QemuProcess.Identity"/>), or null when it cannot be read.</summary>
    public string? SourceIdentity { get; private set; }

    /// <summary>The VM's hardware as QEMU reports it, in the JSON format restore points keep.</summary>
    public string HardwareJson { get; private set; } = "{}";

    public string HardwareText => HardwareJson;

    /// <summary>Starts a point in time of every writable disk of the VM behind <paramref name="qmp"/>.</summary>
    /// <exception cref="QemuException">The VM cannot be backed up live (no disk, another backup runs, QEMU refused a step).</exception>
    public static async Task<QemuPointInTime> StartAsync(QmpClient qmp, QemuLiveBackupOptions options, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(qmp);
        ArgumentNullException.ThrowIfNull(options);
        var log = logger ?? NullLogger.Instance;
        var work = LiveBackupWorkFolder.Open(options.WorkDirectory, FleeceExtension, (message, inner) => inner is null ? new QemuException(message) : new QemuException(message, inner));
        var pointInTime = new QemuPointInTime(qmp, options with { WorkDirectory = work.Path }, work, log);
        try
        {
            await pointInTime.StartCoreAsync(cancellationToken).ConfigureAwait(false);
            return pointInTime;
        }
        catch
        {
            await pointInTime.AbortAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The backup was committed: tears the view down and drops the bitmaps that were read.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_ended, this);
        _ended = true;
        try
        {
            await TeardownAsync(cancellationToken).ConfigureAwait(false);
            foreach (var disk in _disks.Where(d => d.ChangedBitmap is not null))
            {
                await _qmp.ExecuteAsync("block-dirty-bitmap-remove", new JsonObject { ["node"] = disk.NodeName, ["name"] = disk.ChangedBitmap }, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            Release();
        }
    }

    /// <summary>The backup failed: tears the view down and merges each new bitmap back into the one it replaced.</summary>
    public async Task AbortAsync()
    {
        if (_ended)
        {
            return;
        }

        _ended = true;
        try
        {
            // Not cancellable: whatever cancelled the backup must not leave fleecing nodes in the VM.
            await TeardownAsync(CancellationToken.None).ConfigureAwait(false);
            if (_transactionDone)
            {
                await MergeBackAsync().ConfigureAwait(false);
                QemuLog.PointInTimeAborted(_logger, _options.Vm);
            }
        }
        catch (Exception ex) when (ex is IOException or QemuException or ObjectDisposedException)
        {
            // The failure that led here explains more; the next backup removes what is left.
            QemuLog.TeardownStepFailed(_logger, "tearing down", ex.Message);
        }
        finally
        {
            Release();
        }
    }

    public async ValueTask DisposeAsync() => await AbortAsync().ConfigureAwait(false);

    /// <summary>Leaves everything in QEMU as a killed backup would (tests check that the next backup cleans up).</summary>
    internal void Abandon()
    {
        _ended = true;
        _work.Abandon();
    }

    private async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        await FleecingTeardown.RemoveLeftoversAsync(_qmp, File.Exists(NbdSocketPath), _logger, cancellationToken).ConfigureAwait(false);
        _work.DeleteWorkFiles();
        SourceIdentity = _qmp.PeerProcessId is { } pid ? QemuProcess.Identity(pid) : null;

        var disks = QemuBlockDisk.Parse(await _qmp.ExecuteAsync("query-block", cancellationToken: cancellationToken).ConfigureAwait(false), QemuCommandLine.MaxDisks);
        if (disks.Count == 0)
        {
            throw new QemuException($"VM {_options.Vm} has no writable disk in use by a device (query-block); there is nothing to back up.");
        }

        var agentSocket = _options.GuestAgentSocket
            ?? (_options.DiscoverGuestAgent ? await GuestFreeze.DiscoverSocketAsync(_qmp, cancellationToken).ConfigureAwait(false) : null);
        if (agentSocket is not null)
        {
            await GuestFreeze.ThawIfLeftFrozenAsync(_options.Vm, agentSocket, _options.FreezeTimeout, _logger, cancellationToken).ConfigureAwait(false);
        }

        HardwareJson = await QemuHardwareQuery.QueryAsync(_qmp, disks, agentSocket is not null, cancellationToken).ConfigureAwait(false);

        var actions = new JsonArray();
        for (int i = 0; i < disks.Count; i++)
        {
            var disk = disks[i];
            var (changed, reason) = await DirtyBitmapPlan.ReconcileAsync(_qmp, _options, disk, SourceIdentity, _logger, cancellationToken).ConfigureAwait(false);
            var tracking = DirtyBitmapName.New(_options.Vm);
            var node = FleecingTeardown.FleeceNodePrefix + i.ToString(CultureInfo.InvariantCulture);
            await AddFleecingNodeAsync(disk, node, cancellationToken).ConfigureAwait(false);
            _disks.Add(new LiveBackupDisk(disk.Name, disk.NodeName, disk.Driver, disk.Size, disk.Name, changed, reason, tracking));

            actions.Add(Action("block-dirty-bitmap-add", new JsonObject { ["node"] = disk.NodeName, ["name"] = tracking, ["persistent"] = disk.CanPersistBitmaps }));
            if (changed is not null)
            {
                actions.Add(Action("block-dirty-bitmap-disable", new JsonObject { ["node"] = disk.NodeName, ["name"] = changed }));
            }

            actions.Add(Action("blockdev-backup", new JsonObject { ["device"] = disk.NodeName, ["target"] = node, ["sync"] = "none", ["job-id"] = node }));
        }

        var consistency = await GuestFreeze.RunFrozenAsync(
            _options.Vm,
            agentSocket,
            _options.GuestAgentSocket is null && !_options.DiscoverGuestAgent ? "no guest agent was given" : "the VM has no guest agent channel",
            _options.FreezeTimeout,
            async () =>
            {
                if (_options.BeforePointInTime is { } before)
                {
                    await before(cancellationToken).ConfigureAwait(false);
                }

                await _qmp.ExecuteAsync("transaction", new JsonObject { ["actions"] = actions }, cancellationToken).ConfigureAwait(false);
                _transactionDone = true;
                _jobs.AddRange(_nodes);
                if (_options.AfterPointInTime is { } after)
                {
                    await after(cancellationToken).ConfigureAwait(false);
                }
            },
            _logger,
            cancellationToken).ConfigureAwait(false);
        (Consistency, FrozenMilliseconds, CrashConsistentReason) = consistency;

        await _qmp.ExecuteAsync("nbd-server-start", new JsonObject
        {
            ["addr"] = new JsonObject { ["type"] = "unix", ["data"] = new JsonObject { ["path"] = NbdSocketPath } },
        }, cancellationToken).ConfigureAwait(false);
        _serverStarted = true;
        for (int i = 0; i < _disks.Count; i++)
        {
            var disk = _disks[i];
            var id = FleecingTeardown.NamePrefix + "export-" + i.ToString(CultureInfo.InvariantCulture);
            var export = new JsonObject
            {
                ["type"] = "nbd",
                ["id"] = id,
                ["node-name"] = _nodes[i],
                ["name"] = disk.ExportName,
                ["writable"] = false,
            };
            if (disk.ChangedBitmap is not null)
            {
                export["bitmaps"] = new JsonArray(disk.ChangedBitmap);
            }

            await _qmp.ExecuteAsync("block-export-add", export, cancellationToken).ConfigureAwait(false);
            _exports.Add(id);
        }

        QemuLog.PointInTimeStarted(_logger, _options.Vm, _disks.Count, NbdSocketPath);
    }

    private async Task AddFleecingNodeAsync(QemuBlockDisk disk, string node, CancellationToken cancellationToken)
    {
        var image = _work.ScratchImage(node);
        await CreateImageAsync(image, disk.Size, cancellationToken).ConfigureAwait(false);
        await _qmp.ExecuteAsync("blockdev-add", new JsonObject
        {
            ["driver"] = "qcow2",
            ["node-name"] = node,
            ["file"] = new JsonObject { ["driver"] = "file", ["filename"] = image },
            // Reads of clusters the guest has not overwritten yet go through to the live disk.
            ["backing"] = disk.NodeName,
        }, cancellationToken).ConfigureAwait(false);
        _nodes.Add(node);
    }

    private static async Task CreateImageAsync(string path, long size, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("qemu-img") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[] { "create", "-q", "-f", "qcow2", path, size.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new QemuException("qemu-img did not start.");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new QemuException($"qemu-img cannot be run ({ex.Message}); install the Debian package qemu-utils.", ex);
        }

        using (process)
        {
            var errors = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.StandardOutput.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            if (process.ExitCode != 0)
            {
                var text = await errors.ConfigureAwait(false);
                throw new QemuException($"qemu-img could not create the fleecing image {path}: {text[..Math.Min(text.Length, MaxErrorChars)].Trim()}");
            }
        }
    }

    private static JsonObject Action(string type, JsonObject data) => new() { ["type"] = type, ["data"] = data };

    private async Task TeardownAsync(CancellationToken cancellationToken)
    {
        await FleecingTeardown.RemoveAsync(_qmp, _exports, _serverStarted, _jobs, _nodes, _logger, cancellationToken).ConfigureAwait(false);
        _exports.Clear();
        _jobs.Clear();
        _nodes.Clear();
        _serverStarted = false;
    }

    private async Task MergeBackAsync()
    {
        foreach (var disk in _disks)
        {
            var actions = new JsonArray();
            if (disk.ChangedBitmap is { } changed)
            {
                actions.Add(Action("block-dirty-bitmap-merge", new JsonObject { ["node"] = disk.NodeName, ["target"] = changed, ["bitmaps"] = new JsonArray(disk.TrackingBitmap) }));
                actions.Add(Action("block-dirty-bitmap-enable", new JsonObject { ["node"] = disk.NodeName, ["name"] = changed }));
            }

            // Without an old bitmap nothing records the new one: the next backup reads this disk whole anyway.
            actions.Add(Action("block-dirty-bitmap-remove", new JsonObject { ["node"] = disk.NodeName, ["name"] = disk.TrackingBitmap }));
            try
            {
                await _qmp.ExecuteAsync("transaction", new JsonObject { ["actions"] = actions }, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is QmpException or IOException)
            {
                QemuLog.TeardownStepFailed(_logger, "transaction (merging the bitmaps back)", ex.Message);
            }
        }
    }

    private void Release() => _work.Dispose();
}
