using System.Text.Json.Nodes;
using Lifeboat.Hypervisors.Hosts;

namespace Lifeboat.Hypervisors.Qemu.Host;

/// <summary>
/// Moves a local VM's disks to production files with QEMU's block jobs (<see cref="MirrorMigration"/>,
/// <see cref="QuickMigration"/>). The files it created are listed in the runtime folder, so that a restarted server
/// reuses them and an abandoned migration deletes them and nothing else.
/// </summary>
internal sealed class QemuDiskMigration(QemuHostedVm vm, string runtimeFolder, string vmName) : IDiskMigration
{
    private const string OwnedListName = "production-files";
    private const int MaxOwnedListBytes = 64 * 1024;
    private const int JobsGoneAttempts = 150;
    private static readonly TimeSpan JobsGonePoll = TimeSpan.FromMilliseconds(200);

    private readonly List<string> _owned = ReadOwned(runtimeFolder);
    private int _diskCount;

    public bool OffersQuick => true;

    public IReadOnlyList<string> ProductionPaths(ProductionTarget target) =>
        ProductionFiles.PathsFor(target.Location, vmName, target.DiskSizes.Count, target.Qcow2);

    public async Task<string> PrepareAsync(ProductionTarget target, CancellationToken cancellationToken)
    {
        var qemu = await vm.MonitorAsync(cancellationToken).ConfigureAwait(false);
        var paths = ProductionPaths(target);
        _diskCount = paths.Count;
        var kept = paths.All(p => _owned.Contains(p) && File.Exists(p));
        if (!kept)
        {
            ProductionFiles.CreateFolder(target.Location);
            var needed = target.DiskSizes.Sum();
            var free = new DriveInfo(Path.GetFullPath(target.Location)).AvailableFreeSpace;
            if (free < needed)
                throw new HostException($"{target.Location} has {Mib(free)} MiB free and the VM's disks need up to {Mib(needed)} MiB; migrate to a folder with room.");
            for (var i = 0; i < paths.Count; i++)
            {
                await ProductionFiles.CreateAsync(paths[i], target.DiskSizes[i], target.Qcow2, cancellationToken).ConfigureAwait(false);
                _owned.Add(paths[i]);
                WriteOwned();
            }
        }

        await ProductionFiles.AddNodesAsync(qemu.Qmp, paths, target.Qcow2, cancellationToken).ConfigureAwait(false);
        return $"{string.Join(", ", paths)} ({(target.Qcow2 ? "qcow2" : "raw")}){(kept ? ", kept from before the restart" : "")}";
    }

    public async Task<long> MirrorAsync(Action<long, long> progress, CancellationToken cancellationToken)
    {
        var qemu = await vm.MonitorAsync(cancellationToken).ConfigureAwait(false);
        long copied = 0;
        await MirrorMigration.MirrorAsync(qemu.Qmp, _diskCount, (done, total) =>
        {
            copied = done;
            progress(done, total);
        }, cancellationToken).ConfigureAwait(false);
        return copied;
    }

    public async Task PivotAsync(CancellationToken cancellationToken)
    {
        var qemu = await vm.MonitorAsync(cancellationToken).ConfigureAwait(false);
        await MirrorMigration.PivotAsync(qemu.Qmp, _diskCount, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Undoes what an interrupted quick migration left in QEMU first, then copies while tracking the guest's writes.</summary>
    public async Task<long> CopyAsync(Action<long, long> progress, CancellationToken cancellationToken)
    {
        var qemu = await vm.MonitorAsync(cancellationToken).ConfigureAwait(false);
        await QuickMigration.ResetAsync(qemu.Qmp, _diskCount, cancellationToken).ConfigureAwait(false);
        long copied = 0;
        await QuickMigration.CopyAsync(qemu.Qmp, _diskCount, (done, total) =>
        {
            copied = done;
            progress(done, total);
        }, cancellationToken).ConfigureAwait(false);
        return copied;
    }

    public async Task<TimeSpan> PauseCopyAndSwitchAsync(CancellationToken cancellationToken)
    {
        var qemu = await vm.MonitorAsync(cancellationToken).ConfigureAwait(false);
        return await QuickMigration.PauseCopyAndSwitchAsync(qemu.Qmp, _diskCount, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>QEMU's jobs, bitmaps and production nodes go (when it runs), then the files this migration created.</summary>
    public async Task<IReadOnlyList<string>> AbandonAsync()
    {
        var problems = new List<string>();
        if (vm.IsRunning)
        {
            try
            {
                await UndoInQemuAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is QmpException or IOException or HostException or TimeoutException)
            {
                problems.Add($"Undoing the migration in QEMU failed: {e.Message}");
            }
        }

        ProductionFiles.DeleteQuietly(_owned);
        var left = _owned.Where(File.Exists).ToList();
        if (left.Count > 0)
            problems.Add($"Could not delete {string.Join(", ", left)}; delete them by hand.");
        _owned.Clear();
        _owned.AddRange(left);
        WriteOwned();
        return problems;
    }

    private async Task UndoInQemuAsync()
    {
        var qmp = (await vm.MonitorAsync(CancellationToken.None).ConfigureAwait(false)).Qmp;
        var diskCount = Math.Max(_diskCount, _owned.Count);
        await QuickMigration.ResetAsync(qmp, diskCount, CancellationToken.None).ConfigureAwait(false);
        var jobs = await QmpBlock.QueryJobsAsync(qmp, CancellationToken.None).ConfigureAwait(false);
        foreach (var job in jobs.Where(j => j.Id.StartsWith("lifeboat-mirror", StringComparison.Ordinal)))
        {
            if (job.Status == "concluded")
                await QmpBlock.DismissAsync(qmp, job.Id, CancellationToken.None).ConfigureAwait(false);
            else
                await qmp.ExecuteAsync("job-cancel", new JsonObject { ["id"] = job.Id, ["force"] = true }, CancellationToken.None).ConfigureAwait(false);
        }

        await WaitUntilJobsGoneAsync(qmp).ConfigureAwait(false);
        var nodes = await QmpBlock.QueryNodeNamesAsync(qmp, CancellationToken.None).ConfigureAwait(false);
        for (var i = 0; i < diskCount; i++)
        {
            if (nodes.Contains(ProductionFiles.NodeName(i)))
                await qmp.ExecuteAsync("blockdev-del", new JsonObject { ["node-name"] = ProductionFiles.NodeName(i) }, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static async Task WaitUntilJobsGoneAsync(QmpClient qmp)
    {
        for (var attempt = 0; attempt < JobsGoneAttempts; attempt++)
        {
            var jobs = (await QmpBlock.QueryJobsAsync(qmp, CancellationToken.None).ConfigureAwait(false))
                .Where(j => j.Id.StartsWith("lifeboat-", StringComparison.Ordinal)).ToList();
            if (jobs.Count == 0)
                return;
            foreach (var job in jobs.Where(j => j.Status == "concluded"))
                await QmpBlock.DismissAsync(qmp, job.Id, CancellationToken.None).ConfigureAwait(false);
            await Task.Delay(JobsGonePoll).ConfigureAwait(false);
        }
    }

    private static List<string> ReadOwned(string folder)
    {
        var text = BoundedFile.ReadStart(Path.Combine(folder, OwnedListName), MaxOwnedListBytes);
        return text is null ? [] : [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries)];
    }

    private void WriteOwned()
    {
        if (!Directory.Exists(runtimeFolder))
            return;
        var path = Path.Combine(runtimeFolder, OwnedListName);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var writer = new StreamWriter(path + ".new", options))
            writer.Write(string.Join('\n', _owned) + "\n");
        File.Move(path + ".new", path, overwrite: true);
    }

    private static string Mib(long bytes) => (bytes / (1024 * 1024)).ToString("N0", System.Globalization.CultureInfo.InvariantCulture);
}
