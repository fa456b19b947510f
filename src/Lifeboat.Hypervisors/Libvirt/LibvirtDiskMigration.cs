using System.Globalization;
using System.Security;
using Lifeboat.Hypervisors.Hosts;

namespace Lifeboat.Hypervisors.Libvirt;

/// <summary>
/// libvirt's block copy: every disk of the domain is mirrored to its production file on the host while the guest
/// runs, then pivoted. A folder target's files are made by libvirt; a <c>pool:NAME</c> target's volumes are made here
/// and reused after a restart. The quick method is not offered: libvirt has no pause-copy-switch of its own.
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
        if (!target.Location.StartsWith(PoolPrefix, StringComparison.Ordinal))
        {
            if (!target.Location.StartsWith('/'))
                throw new HostException($"Production folder {target.Location} on host {hostName} is not absolute; give an absolute folder or pool:NAME.");
            _paths = ProductionPaths(target);
            return $"block copy of {_disks.Count} disks to {target.Location} on host {hostName}; libvirt makes the files";
        }

        var pool = target.Location[PoolPrefix.Length..];
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
                <target><format type='{extension}'/></target></volume>
                """);
            _createdVolumes.Add(path);
            paths.Add(path);
        }

        _paths = paths;
        return $"{_createdVolumes.Count} volumes created, {_disks.Count - _createdVolumes.Count} kept, in storage pool {pool} on host {hostName}";
    }, cancellationToken);

    public async Task<long> MirrorAsync(Action<long, long> progress, CancellationToken cancellationToken)
    {
        var target = _target ?? throw new InvalidOperationException("PrepareAsync comes before MirrorAsync.");
        var reuse = target.Location.StartsWith(PoolPrefix, StringComparison.Ordinal) ? LibvirtDomain.BlockCopyReuseExternal : 0;
        await CallAsync(() =>
        {
            for (var i = 0; i < _disks.Count; i++)
            {
                var destination = $"<disk type='file'><source file='{SecurityElement.Escape(_paths[i])}'/><driver type='{(target.Qcow2 ? "qcow2" : "raw")}'/></disk>";
                domain.BlockCopy(_disks[i], destination, LibvirtDomain.BlockCopyTransientJob | reuse);
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

        return done;
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
