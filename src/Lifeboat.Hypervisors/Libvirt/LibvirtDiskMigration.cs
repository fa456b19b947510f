using System.Globalization;
using System.Security;
using Lifeboat.Hypervisors.Hosts;

namespace Lifeboat.Hypervisors.Libvirt;

/// <summary>
/// libvirt's block copy: every disk of the domain is mirrored to its production file on the host while the guest
/// runs, then pivoted. The files are volumes made here through libvirt's storage API, so that Abandon can delete them
/// on a remote host: in the <c>pool:NAME</c> target, or in a transient directory pool over a folder target (stopped
/// after the pivot; its files stay). Volumes kept from before a restart are reused. The quick method is not offered:
/// libvirt has no pause-copy-switch of its own.
/// </summary>
internal sealed class LibvirtDiskMigration(LibvirtConnection connection, LibvirtDomain domain, HostedVmSpec spec, string hostName) : IDiskMigration
{
    private const string PoolPrefix = "pool:";
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan PivotPatience = TimeSpan.FromMinutes(2);

    private readonly IReadOnlyList<string> _disks = LibvirtHostedDomainXml.DiskTargets(spec.Vm);
    private readonly List<string> _createdVolumes = [];
    private ProductionTarget? _target;
    private IReadOnlyList<string> _paths = [];
    private string? _transientPool;

    public bool OffersQuick => false;

    public IReadOnlyList<string> ProductionPaths(ProductionTarget target)
    {
        var extension = target.Qcow2 ? "qcow2" : "raw";
        if (!target.Location.StartsWith(PoolPrefix, StringComparison.Ordinal))
            return [.. _disks.Select((_, i) => $"{target.Location.TrimEnd('/')}/{VolumeName(i, extension)}")];
        var pool = target.Location[PoolPrefix.Length..];
        return [.. _disks.Select((_, i) => connection.VolumePath(pool, VolumeName(i, extension)) ?? $"{target.Location}/{VolumeName(i, extension)}")];
    }

    public Task<string> PrepareAsync(ProductionTarget target, CancellationToken cancellationToken) => CallAsync(() =>
    {
        if (target.DiskSizes.Count != _disks.Count)
            throw new HostException($"The production target for VM {domain.Name} gives {target.DiskSizes.Count} disk sizes for its {_disks.Count} disks; give one per disk.");
        _target = target;
        var pool = target.Location.StartsWith(PoolPrefix, StringComparison.Ordinal) ? target.Location[PoolPrefix.Length..] : OpenFolderPool(target.Location);
        var extension = target.Qcow2 ? "qcow2" : "raw";
        var paths = new List<string>();
        for (var i = 0; i < _disks.Count; i++)
        {
            var name = VolumeName(i, extension);
            if (connection.VolumePath(pool, name) is { } kept)
            {
                paths.Add(kept);
                continue;
            }

            var path = connection.CreateVolume(pool, $"""
                <volume><name>{SecurityElement.Escape(name)}</name><capacity unit='bytes'>{target.DiskSizes[i].ToString(CultureInfo.InvariantCulture)}</capacity>
                <allocation unit='bytes'>0</allocation><target><format type='{extension}'/></target></volume>
                """);
            _createdVolumes.Add(path);
            paths.Add(path);
        }

        _paths = paths;
        return $"{_createdVolumes.Count} volumes created, {_disks.Count - _createdVolumes.Count} kept, in {target.Location} on host {hostName}";
    }, cancellationToken);

    public async Task<long> MirrorAsync(Action<long, long> progress, CancellationToken cancellationToken)
    {
        var target = _target ?? throw new InvalidOperationException("PrepareAsync comes before MirrorAsync.");
        await CallAsync(() =>
        {
            for (var i = 0; i < _disks.Count; i++)
            {
                var destination = $"<disk type='file'><source file='{SecurityElement.Escape(_paths[i])}'/><driver type='{(target.Qcow2 ? "qcow2" : "raw")}'/></disk>";
                domain.BlockCopy(_disks[i], destination, LibvirtDomain.BlockCopyTransientJob | LibvirtDomain.BlockCopyReuseExternal);
            }

            return true;
        }, cancellationToken).ConfigureAwait(false);

        while (true)
        {
            var jobs = await CallAsync(() => _disks.Select(domain.BlockJob).ToList(), cancellationToken).ConfigureAwait(false);
            if (jobs.IndexOf(null) is var gone and >= 0)
                throw new HostException($"The block copy of disk {_disks[gone]} of VM {domain.Name} on host {hostName} ended before it was ready; look at the host's log for the VM, then migrate again.");
            long done = jobs.Sum(job => job!.Value.Done), total = jobs.Sum(job => job!.Value.Total);
            progress(done, total);
            if (jobs.All(job => job!.Value.Total > 0 && job.Value.Done == job.Value.Total))
                return total;
            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task PivotAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + PivotPatience;
        foreach (var disk in _disks)
        {
            while (true)
            {
                try
                {
                    await LibvirtConnection.RunAsync(() =>
                    {
                        domain.AbortBlockJob(disk, LibvirtDomain.BlockJobPivot);
                        return true;
                    }, cancellationToken).ConfigureAwait(false);
                    break;
                }
                catch (LibvirtException ex) when (DateTime.UtcNow < deadline && ex.Message.Contains("not ready", StringComparison.OrdinalIgnoreCase))
                {
                    // the guest wrote since the copy caught up; the mirror is ready again in a moment
                    await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
                }
                catch (LibvirtException ex)
                {
                    throw new HostException($"Host {hostName} could not switch disk {disk} of VM {domain.Name} to its production copy: {ex.Message.TrimEnd('.')}; abandon the migration and try again.", ex);
                }
            }
        }

        _createdVolumes.Clear(); // the VM's disks now: never deleted by an Abandon
        await StopFolderPoolAsync().ConfigureAwait(false);
    }

    public Task<long> CopyAsync(Action<long, long> progress, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"Host {hostName} is a libvirt host, which offers only the mirror; migrate with the mirror method.");

    public Task<TimeSpan> PauseCopyAndSwitchAsync(CancellationToken cancellationToken) =>
        throw new NotSupportedException($"Host {hostName} is a libvirt host, which offers only the mirror; migrate with the mirror method.");

    public async Task<IReadOnlyList<string>> AbandonAsync()
    {
        var done = new List<string>();
        foreach (var disk in _disks)
        {
            try
            {
                await LibvirtConnection.RunAsync(() =>
                {
                    if (domain.BlockJob(disk) is not null)
                    {
                        domain.AbortBlockJob(disk, 0);
                        done.Add($"block copy of {disk} cancelled");
                    }

                    return true;
                }).ConfigureAwait(false);
            }
            catch (LibvirtException ex)
            {
                done.Add($"block copy of {disk} not cancelled: {ex.Message}");
            }
        }

        foreach (var path in _createdVolumes.ToList())
        {
            try
            {
                if (await LibvirtConnection.RunAsync(() => connection.DeleteVolume(path)).ConfigureAwait(false))
                    done.Add($"volume {path} deleted");
                _createdVolumes.Remove(path);
            }
            catch (LibvirtException ex)
            {
                done.Add($"volume {path} not deleted: {ex.Message}");
            }
        }

        await StopFolderPoolAsync().ConfigureAwait(false);
        return done;
    }

    // A transient directory pool over the folder, so its files can be made and deleted on the host.
    private string OpenFolderPool(string folder)
    {
        if (!folder.StartsWith('/'))
            throw new HostException($"Production folder {folder} on host {hostName} is not absolute; give an absolute folder or pool:NAME.");
        var name = "lifeboat-" + domain.Uuid[..8];
        try
        {
            connection.CreateDirectoryPool(name, folder);
        }
        catch (LibvirtException) when (PoolExists(name))
        {
            // made by an earlier Prepare for this VM
        }
        catch (LibvirtException ex)
        {
            throw new HostException($"Host {hostName} refused folder {folder} as a production target ({ex.Message.TrimEnd('.')}); create the folder there, or if a storage pool holds it, give pool:NAME.", ex);
        }

        _transientPool = name;
        return name;
    }

    private bool PoolExists(string name)
    {
        try
        {
            _ = connection.VolumePath(name, "lifeboat-none");
            return true;
        }
        catch (LibvirtException)
        {
            return false;
        }
    }

    private async Task StopFolderPoolAsync()
    {
        if (Interlocked.Exchange(ref _transientPool, null) is not { } pool)
            return;
        try
        {
            await LibvirtConnection.RunAsync(() =>
            {
                connection.DestroyPool(pool);
                return true;
            }).ConfigureAwait(false);
        }
        catch (LibvirtException)
        {
            // a transient pool left behind goes when libvirtd restarts; its files are what they should be
        }
    }

    private string VolumeName(int index, string extension) => $"{domain.Name}-disk{index}.{extension}";

    private async Task<T> CallAsync<T>(Func<T> call, CancellationToken cancellationToken)
    {
        try
        {
            return await LibvirtConnection.RunAsync(call, cancellationToken).ConfigureAwait(false);
        }
        catch (LibvirtException ex)
        {
            throw new HostException($"Host {hostName} failed migrating VM {domain.Name}: {ex.Message.TrimEnd('.')}; abandon the migration and try again.", ex);
        }
    }
}
