using System.Text.Json.Nodes;
using Lifeboat.Hypervisors.Hosts;

namespace Lifeboat.Hypervisors.Qemu.Host;

/// <summary>
/// Hot-plug over QMP: <c>blockdev-add</c> of the disk's nbd or nfs node and <c>device_add</c> of a virtio-blk-pci device
/// on it; <c>device_del</c>, then, once the guest let go (the device left <c>/machine/peripheral</c>), <c>blockdev-del</c>.
/// Migration: <c>blockdev-mirror</c> of the disk's node to a production file node, then <c>job-complete</c> (pivot).
/// Names derive from the disk's id, so every call finds what an earlier one (before a restart) left.
/// </summary>
internal sealed class QemuDiskHotplug(QemuHostedVm vm) : IDiskHotplug
{
    private const string PeripheralPath = "/machine/peripheral";
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    public async Task<string> AttachAsync(HotplugDisk disk, CancellationToken cancellationToken)
    {
        var qmp = await QmpAsync(cancellationToken).ConfigureAwait(false);
        var id = HotplugDisk.ValidId(disk.Id);
        var nodes = await QmpBlock.QueryNodeNamesAsync(qmp, cancellationToken).ConfigureAwait(false);
        if (await HasDeviceAsync(qmp, id, cancellationToken).ConfigureAwait(false))
            return $"{id} was attached already";
        try
        {
            if (!nodes.Contains(NodeName(id)))
                await qmp.ExecuteAsync("blockdev-add", QemuBlockdev.Build(new QemuDisk(disk.Url), NodeName(id)), cancellationToken).ConfigureAwait(false);
            await qmp.ExecuteAsync("device_add", new JsonObject
            {
                ["driver"] = "virtio-blk-pci",
                ["drive"] = NodeName(id),
                ["id"] = id,
                ["serial"] = id,
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (QmpException e)
        {
            throw new HostException($"QEMU of VM {vm.Name} refused to attach {disk.Url}: {e.Message.TrimEnd('.')}; check that the publication is served, then attach again.", e);
        }

        return $"{disk.Url} attached to VM {vm.Name} as virtio disk {id} (serial {id})";
    }

    public async Task<bool> IsAttachedAsync(string id, CancellationToken cancellationToken) =>
        await HasDeviceAsync(await QmpAsync(cancellationToken).ConfigureAwait(false), id, cancellationToken).ConfigureAwait(false);

    public async Task<string> DetachAsync(string id, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var qmp = await QmpAsync(cancellationToken).ConfigureAwait(false);
        var said = $"{id} was not attached";
        if (await HasDeviceAsync(qmp, id, cancellationToken).ConfigureAwait(false))
        {
            try
            {
                await qmp.ExecuteAsync("device_del", new JsonObject { ["id"] = id }, cancellationToken).ConfigureAwait(false);
            }
            catch (QmpException e)
            {
                // The guest may have let go between the look and the command.
                if (await HasDeviceAsync(qmp, id, cancellationToken).ConfigureAwait(false))
                    throw new HostException($"QEMU of VM {vm.Name} refused to unplug disk {id}: {e.Message.TrimEnd('.')}; try again once the guest has booted.", e);
            }

            var deadline = DateTime.UtcNow + timeout;
            while (await HasDeviceAsync(qmp, id, cancellationToken).ConfigureAwait(false))
            {
                if (DateTime.UtcNow > deadline)
                    throw new HostException($"The guest of VM {vm.Name} did not let go of disk {id} within {timeout.TotalSeconds:0} s; unmount it in the guest, then detach again.");
                await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
            }

            said = $"{id} unplugged from VM {vm.Name}";
        }

        var nodes = await QmpBlock.QueryNodeNamesAsync(qmp, cancellationToken).ConfigureAwait(false);
        foreach (var node in new[] { ProductionNodeName(id), NodeName(id) }.Where(nodes.Contains))
            await qmp.ExecuteAsync("blockdev-del", new JsonObject { ["node-name"] = node }, cancellationToken).ConfigureAwait(false);
        return said;
    }

    public async Task<string> PrepareMirrorAsync(HotplugDisk disk, string productionPath, bool qcow2, bool reuse, CancellationToken cancellationToken)
    {
        var qmp = await QmpAsync(cancellationToken).ConfigureAwait(false);
        var kept = reuse && File.Exists(productionPath);
        if (!kept)
        {
            var folder = Path.GetDirectoryName(productionPath)!;
            ProductionFiles.CreateFolder(folder);
            var free = new DriveInfo(Path.GetFullPath(folder)).AvailableFreeSpace;
            if (free < disk.Size)
                throw new HostException($"{folder} has {free / (1024 * 1024)} MiB free and disk {disk.Id} needs up to {disk.Size / (1024 * 1024)} MiB; migrate to a folder with room.");
            await ProductionFiles.CreateAsync(productionPath, disk.Size, qcow2, cancellationToken).ConfigureAwait(false);
        }

        var nodes = await QmpBlock.QueryNodeNamesAsync(qmp, cancellationToken).ConfigureAwait(false);
        if (!nodes.Contains(ProductionNodeName(disk.Id)))
            await qmp.ExecuteAsync("blockdev-add", ProductionFiles.Node(ProductionNodeName(disk.Id), productionPath, qcow2), cancellationToken).ConfigureAwait(false);
        return $"{productionPath} ({(qcow2 ? "qcow2" : "raw")}){(kept ? ", kept from before the restart" : "")}";
    }

    public async Task<long> MirrorAsync(HotplugDisk disk, Action<long, long> progress, CancellationToken cancellationToken)
    {
        var qmp = await QmpAsync(cancellationToken).ConfigureAwait(false);
        var job = JobId(disk.Id);
        var jobs = await QmpBlock.QueryJobsAsync(qmp, cancellationToken).ConfigureAwait(false);
        if (jobs.All(j => j.Id != job))
        {
            await qmp.ExecuteAsync("blockdev-mirror", new JsonObject
            {
                ["job-id"] = job,
                ["device"] = NodeName(disk.Id),
                ["target"] = ProductionNodeName(disk.Id),
                ["sync"] = "full",
                ["granularity"] = MirrorMigration.Granularity,
                ["auto-dismiss"] = false,
            }, cancellationToken).ConfigureAwait(false);
        }

        long copied = 0;
        await QmpBlock.WaitForJobsAsync(qmp, [job], "ready", (done, total) =>
        {
            copied = done;
            progress(done, total);
        }, cancellationToken).ConfigureAwait(false);
        return copied;
    }

    public async Task PivotAsync(HotplugDisk disk, CancellationToken cancellationToken)
    {
        var qmp = await QmpAsync(cancellationToken).ConfigureAwait(false);
        var job = JobId(disk.Id);
        var jobs = await QmpBlock.QueryJobsAsync(qmp, cancellationToken).ConfigureAwait(false);
        if (jobs.FirstOrDefault(j => j.Id == job) is { } running)
        {
            if (running.Status == "ready")
                await qmp.ExecuteAsync("job-complete", new JsonObject { ["id"] = job }, cancellationToken).ConfigureAwait(false);
            await QmpBlock.WaitForJobsAsync(qmp, [job], "concluded", null, cancellationToken).ConfigureAwait(false);
            await QmpBlock.DismissAsync(qmp, job, cancellationToken).ConfigureAwait(false);
        }

        var node = await QmpBlock.QueryDeviceNodeAsync(qmp, disk.Id, cancellationToken).ConfigureAwait(false);
        if (node != ProductionNodeName(disk.Id))
            throw new HostException($"Disk {disk.Id} of VM {vm.Name} still runs from {node ?? "no node"} after the mirror completed; see the VM's qemu.log, then migrate again.");
        var nodes = await QmpBlock.QueryNodeNamesAsync(qmp, cancellationToken).ConfigureAwait(false);
        if (nodes.Contains(NodeName(disk.Id)))
            await qmp.ExecuteAsync("blockdev-del", new JsonObject { ["node-name"] = NodeName(disk.Id) }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<string>> AbandonMirrorAsync(HotplugDisk disk)
    {
        var problems = new List<string>();
        if (!vm.IsRunning)
            return problems;
        try
        {
            var qmp = await QmpAsync(CancellationToken.None).ConfigureAwait(false);
            var job = JobId(disk.Id);
            for (var attempt = 0; attempt < 150; attempt++)
            {
                var found = (await QmpBlock.QueryJobsAsync(qmp, CancellationToken.None).ConfigureAwait(false)).FirstOrDefault(j => j.Id == job);
                if (found is null)
                    break;
                if (found.Status == "concluded")
                    await QmpBlock.DismissAsync(qmp, job, CancellationToken.None).ConfigureAwait(false);
                else if (found.Status != "aborting")
                    await qmp.ExecuteAsync("job-cancel", new JsonObject { ["id"] = job, ["force"] = true }, CancellationToken.None).ConfigureAwait(false);
                await Task.Delay(PollInterval).ConfigureAwait(false);
            }

            var nodes = await QmpBlock.QueryNodeNamesAsync(qmp, CancellationToken.None).ConfigureAwait(false);
            var device = await QmpBlock.QueryDeviceNodeAsync(qmp, disk.Id, CancellationToken.None).ConfigureAwait(false);
            if (nodes.Contains(ProductionNodeName(disk.Id)) && device != ProductionNodeName(disk.Id))
                await qmp.ExecuteAsync("blockdev-del", new JsonObject { ["node-name"] = ProductionNodeName(disk.Id) }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is QmpException or IOException or HostException or TimeoutException)
        {
            problems.Add($"Undoing the mirror of disk {disk.Id} in QEMU failed: {e.Message}");
        }

        return problems;
    }

    private static string NodeName(string id) => "hp-" + id;

    private static string ProductionNodeName(string id) => "hp-" + id + "-prod";

    // Not "lifeboat-…": a whole VM's abandoned migration waits for those jobs to go.
    private static string JobId(string id) => "hotplug-mirror-" + id;

    private async Task<QmpClient> QmpAsync(CancellationToken cancellationToken) =>
        (await vm.MonitorAsync(cancellationToken).ConfigureAwait(false)).Qmp;

    private static async Task<bool> HasDeviceAsync(QmpClient qmp, string id, CancellationToken cancellationToken)
    {
        var answer = await qmp.ExecuteAsync("qom-list", new JsonObject { ["path"] = PeripheralPath }, cancellationToken).ConfigureAwait(false);
        return (answer as JsonArray ?? []).Any(p => p?["name"] is JsonValue name && name.TryGetValue<string>(out var text) && text == id);
    }
}
