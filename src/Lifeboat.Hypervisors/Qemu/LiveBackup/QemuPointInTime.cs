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
public sealed class QemuPointInTime : LivePointInTime
{
    private const string FleeceExtension = ".fleece.qcow2";
    private const int MaxErrorChars = 2000;

    private readonly QmpClient _qmp;
    private readonly List<string> _exports = [];
    private readonly List<string> _jobs = [];
    private readonly List<string> _nodes = [];
    private bool _serverStarted;
    private bool _transactionDone;

    private QemuPointInTime(QmpClient qmp, QemuLiveBackupOptions options, LiveBackupWorkFolder work, ILogger logger)
        : base(options, work, logger)
    {
        _qmp = qmp;
        HardwareText = "{}";
    }

    /// <summary>The unix socket of QEMU's NBD server; each disk's export is named <see cref="LiveBackupDisk.ExportName"/>.</summary>
    public string NbdSocketPath => Work.NbdSocketPath;

    public override LiveBackupNbdServer NbdServer => LiveBackupNbdServer.Unix(NbdSocketPath);

    /// <summary>The VM's hardware as QEMU reports it, in the JSON format restore points keep.</summary>
    public string HardwareJson => HardwareText;

    private protected override string TeardownStep => "tearing down";

    /// <summary>Starts a point in time of every writable disk of the VM behind <paramref name="qmp"/>.</summary>
    /// <exception cref="QemuException">The VM cannot be backed up live (no disk, another backup runs, QEMU refused a step).</exception>
    public static async Task<QemuPointInTime> StartAsync(QmpClient qmp, QemuLiveBackupOptions options, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(qmp);
        ArgumentNullException.ThrowIfNull(options);
        var log = logger ?? NullLogger.Instance;
        var work = LiveBackupWorkFolder.Open(options.WorkDirectory, FleeceExtension, (message, inner) => inner is null ? new QemuException(message) : new QemuException(message, inner));
        return await StartOrAbortAsync(new QemuPointInTime(qmp, options, work, log), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The backup was committed: tears the view down and drops the bitmaps that were read.</summary>
    private protected override async Task EndCompletedAsync(CancellationToken cancellationToken)
    {
        await TeardownAsync(cancellationToken).ConfigureAwait(false);
        foreach (var disk in StartedDisks.Where(d => d.ChangedBitmap is not null))
        {
            await _qmp.ExecuteAsync("block-dirty-bitmap-remove", new JsonObject { ["node"] = disk.NodeName, ["name"] = disk.ChangedBitmap }, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The backup failed: tears the view down and merges each new bitmap back into the one it replaced.</summary>
    private protected override async Task<bool> EndAbortedAsync()
    {
        await TeardownAsync(CancellationToken.None).ConfigureAwait(false);
        if (!_transactionDone)
        {
            return false;
        }

        await MergeBackAsync().ConfigureAwait(false);
        return true;
    }

    private protected override bool IsTeardownFailure(Exception exception) => exception is IOException or QemuException or ObjectDisposedException;

    private protected override async Task StartCoreAsync(CancellationToken cancellationToken)
    {
        await FleecingTeardown.RemoveLeftoversAsync(_qmp, File.Exists(NbdSocketPath), Logger, cancellationToken).ConfigureAwait(false);
        Work.DeleteWorkFiles();
        SourceIdentity = _qmp.PeerProcessId is { } pid ? QemuProcess.Identity(pid) : null;

        var disks = QemuBlockDisk.Parse(await _qmp.ExecuteAsync("query-block", cancellationToken: cancellationToken).ConfigureAwait(false), QemuCommandLine.MaxDisks);
        if (disks.Count == 0)
        {
            throw new QemuException($"VM {Options.Vm} has no writable disk in use by a device (query-block); there is nothing to back up.");
        }

        var agentSocket = Options.GuestAgentSocket
            ?? (Options.DiscoverGuestAgent ? await GuestFreeze.DiscoverSocketAsync(_qmp, cancellationToken).ConfigureAwait(false) : null);
        if (agentSocket is not null)
        {
            await GuestFreeze.ThawIfLeftFrozenAsync(Options.Vm, agentSocket, Options.FreezeTimeout, Logger, cancellationToken).ConfigureAwait(false);
        }

        HardwareText = await QemuHardwareQuery.QueryAsync(_qmp, disks, agentSocket is not null, cancellationToken).ConfigureAwait(false);

        var actions = new JsonArray();
        for (int i = 0; i < disks.Count; i++)
        {
            var disk = disks[i];
            var (changed, reason) = await DirtyBitmapPlan.ReconcileAsync(_qmp, Options, disk, SourceIdentity, Logger, cancellationToken).ConfigureAwait(false);
            var tracking = DirtyBitmapName.New(Options.Vm);
            var node = FleecingTeardown.FleeceNodePrefix + i.ToString(CultureInfo.InvariantCulture);
            await AddFleecingNodeAsync(disk, node, cancellationToken).ConfigureAwait(false);
            StartedDisks.Add(new LiveBackupDisk(disk.Name, disk.NodeName, disk.Driver, disk.Size, disk.Name, changed, reason, tracking));

            actions.Add(Action("block-dirty-bitmap-add", new JsonObject { ["node"] = disk.NodeName, ["name"] = tracking, ["persistent"] = disk.CanPersistBitmaps }));
            if (changed is not null)
            {
                actions.Add(Action("block-dirty-bitmap-disable", new JsonObject { ["node"] = disk.NodeName, ["name"] = changed }));
            }

            actions.Add(Action("blockdev-backup", new JsonObject { ["device"] = disk.NodeName, ["target"] = node, ["sync"] = "none", ["job-id"] = node }));
        }

        var consistency = await GuestFreeze.RunFrozenAsync(
            Options.Vm,
            agentSocket,
            Options.GuestAgentSocket is null && !Options.DiscoverGuestAgent ? "no guest agent was given" : "the VM has no guest agent channel",
            Options.FreezeTimeout,
            async () =>
            {
                if (Options.BeforePointInTime is { } before)
                {
                    await before(cancellationToken).ConfigureAwait(false);
                }

                await _qmp.ExecuteAsync("transaction", new JsonObject { ["actions"] = actions }, cancellationToken).ConfigureAwait(false);
                _transactionDone = true;
                _jobs.AddRange(_nodes);
                if (Options.AfterPointInTime is { } after)
                {
                    await after(cancellationToken).ConfigureAwait(false);
                }
            },
            Logger,
            cancellationToken).ConfigureAwait(false);
        (Consistency, FrozenMilliseconds, CrashConsistentReason) = consistency;

        await _qmp.ExecuteAsync("nbd-server-start", new JsonObject
        {
            ["addr"] = new JsonObject { ["type"] = "unix", ["data"] = new JsonObject { ["path"] = NbdSocketPath } },
        }, cancellationToken).ConfigureAwait(false);
        _serverStarted = true;
        for (int i = 0; i < StartedDisks.Count; i++)
        {
            var disk = StartedDisks[i];
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

        QemuLog.PointInTimeStarted(Logger, Options.Vm, StartedDisks.Count, NbdSocketPath);
    }

    private async Task AddFleecingNodeAsync(QemuBlockDisk disk, string node, CancellationToken cancellationToken)
    {
        var image = Work.ScratchImage(node);
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
        await FleecingTeardown.RemoveAsync(_qmp, _exports, _serverStarted, _jobs, _nodes, Logger, cancellationToken).ConfigureAwait(false);
        _exports.Clear();
        _jobs.Clear();
        _nodes.Clear();
        _serverStarted = false;
    }

    private async Task MergeBackAsync()
    {
        foreach (var disk in StartedDisks)
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
                QemuLog.TeardownStepFailed(Logger, "transaction (merging the bitmaps back)", ex.Message);
            }
        }
    }
}
