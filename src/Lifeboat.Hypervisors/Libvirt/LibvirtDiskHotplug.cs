using System.Security;
using System.Xml.Linq;
using Lifeboat.Hypervisors.Hosts;
using Lifeboat.Hypervisors.Qemu;

namespace Lifeboat.Hypervisors.Libvirt;

/// <summary>
/// Hot-plug on a libvirt host: virDomainAttachDeviceFlags of a <c>&lt;disk type='network'&gt;</c> on the mount server
/// (as <see cref="LibvirtHostedDomainXml"/> writes disks) on the first free vdX, with the disk's id as its serial, which
/// is how every later call finds it; virDomainDetachDeviceFlags of that element. Migration: libvirt's block copy of
/// that target (libvirt creates the production file), then pivot, as <see cref="LibvirtDiskMigration"/> does for a VM.
/// </summary>
internal sealed class LibvirtDiskHotplug(LibvirtConnection connection, LibvirtDomain domain, string hostName) : IDiskHotplug
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan PivotPatience = TimeSpan.FromMinutes(2);

    private string? _productionPath;
    private bool _productionQcow2;

    public Task<string> AttachAsync(HotplugDisk disk, CancellationToken cancellationToken) => CallAsync(() =>
    {
        var id = HotplugDisk.ValidId(disk.Id);
        var live = Disks();
        if (Find(live, id) is { } attached)
            return $"{id} was attached already as {Target(attached)}";
        var taken = live.Select(Target).ToHashSet(StringComparer.Ordinal);
        var device = Enumerable.Range(0, 26).Select(i => "vd" + (char)('a' + i)).FirstOrDefault(d => !taken.Contains(d))
            ?? throw new HostException($"VM {domain.Name} on host {hostName} has no free virtio disk name left (vda to vdz); detach a disk first.");
        var element = LibvirtHostedDomainXml.NetworkDisk(new QemuDisk(disk.Url), device, "virtio");
        element.Add(new XElement("serial", id));
        domain.AttachDevice(element.ToString(SaveOptions.DisableFormatting), LibvirtDomain.AffectLive);
        return $"{disk.Url} attached to VM {domain.Name} on host {hostName} as {device} (serial {id})";
    }, cancellationToken);

    public Task<bool> IsAttachedAsync(string id, CancellationToken cancellationToken) => CallAsync(() => Find(Disks(), id) is not null, cancellationToken);

    public async Task<string> DetachAsync(string id, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var asked = await CallAsync(() =>
        {
            if (Find(Disks(), id) is not { } element)
                return false;
            domain.DetachDevice(element.ToString(SaveOptions.DisableFormatting), LibvirtDomain.AffectLive);
            return true;
        }, cancellationToken).ConfigureAwait(false);
        if (!asked)
            return $"{id} was not attached";
        var deadline = DateTime.UtcNow + timeout;
        while (await IsAttachedAsync(id, cancellationToken).ConfigureAwait(false))
        {
            if (DateTime.UtcNow > deadline)
                throw new HostException($"The guest of VM {domain.Name} on host {hostName} did not let go of disk {id} within {timeout.TotalSeconds:0} s; unmount it in the guest, then detach again.");
            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
        }

        return $"{id} unplugged from VM {domain.Name} on host {hostName}";
    }

    /// <summary>Only remembers the file: libvirt's block copy creates it on the host, where this machine may not write.</summary>
    public Task<string> PrepareMirrorAsync(HotplugDisk disk, string productionPath, bool qcow2, bool reuse, CancellationToken cancellationToken)
    {
        if (!productionPath.StartsWith('/'))
            throw new HostException($"Production file {productionPath} on host {hostName} is not absolute; give an absolute folder.");
        _productionPath = productionPath;
        _productionQcow2 = qcow2;
        return Task.FromResult($"{productionPath} ({(qcow2 ? "qcow2" : "raw")}), made by host {hostName}'s block copy");
    }

    public async Task<long> MirrorAsync(HotplugDisk disk, Action<long, long> progress, CancellationToken cancellationToken)
    {
        var path = _productionPath ?? throw new InvalidOperationException("PrepareMirrorAsync comes before MirrorAsync.");
        var device = await DeviceAsync(disk.Id, cancellationToken).ConfigureAwait(false);
        await CallAsync(() =>
        {
            if (domain.BlockJob(device) is null)
            {
                var destination = $"<disk type='file'><source file='{SecurityElement.Escape(path)}'/><driver type='{(_productionQcow2 ? "qcow2" : "raw")}'/></disk>";
                domain.BlockCopy(device, destination, LibvirtDomain.BlockCopyTransientJob);
            }

            return true;
        }, cancellationToken).ConfigureAwait(false);
        while (true)
        {
            var job = await CallAsync(() => domain.BlockJob(device), cancellationToken).ConfigureAwait(false)
                ?? throw new HostException($"The block copy of disk {disk.Id} ({device}) of VM {domain.Name} on host {hostName} ended before it was ready; look at the host's log for the VM, then migrate again.");
            progress(job.Done, job.Total);
            if (job.Total > 0 && job.Done == job.Total)
                return job.Total;
            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task PivotAsync(HotplugDisk disk, CancellationToken cancellationToken)
    {
        var device = await DeviceAsync(disk.Id, cancellationToken).ConfigureAwait(false);
        var deadline = DateTime.UtcNow + PivotPatience;
        while (true)
        {
            try
            {
                await LibvirtConnection.RunAsync(() =>
                {
                    domain.AbortBlockJob(device, LibvirtDomain.BlockJobPivot);
                    return true;
                }, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (LibvirtException ex) when (DateTime.UtcNow < deadline && ex.Message.Contains("not ready", StringComparison.OrdinalIgnoreCase))
            {
                // the guest wrote since the copy caught up; the mirror is ready again in a moment
                await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
            }
            catch (LibvirtException ex)
            {
                throw new HostException($"Host {hostName} could not switch disk {disk.Id} of VM {domain.Name} to its production copy: {ex.Message.TrimEnd('.')}; abandon the migration and try again.", ex);
            }
        }
    }

    public async Task<IReadOnlyList<string>> AbandonMirrorAsync(HotplugDisk disk)
    {
        var problems = new List<string>();
        try
        {
            await LibvirtConnection.RunAsync(() =>
            {
                if (Find(Disks(), disk.Id) is { } element && domain.BlockJob(Target(element)) is not null)
                    domain.AbortBlockJob(Target(element), 0);
                if (_productionPath is { } path && !connection.DeleteVolume(path))
                    problems.Add($"The unfinished production file {path} is on host {hostName} outside its storage pools; delete it there by hand.");
                return true;
            }).ConfigureAwait(false);
        }
        catch (LibvirtException ex)
        {
            problems.Add($"Undoing the block copy of disk {disk.Id} on host {hostName} failed: {ex.Message}");
        }

        return problems;
    }

    private List<XElement> Disks() =>
        [.. XDocument.Parse(domain.XmlDescription()).Root?.Element("devices")?.Elements("disk") ?? []];

    private static XElement? Find(IEnumerable<XElement> disks, string id) =>
        disks.FirstOrDefault(d => (string?)d.Element("serial") == id);

    private static string Target(XElement disk) => (string?)disk.Element("target")?.Attribute("dev") ?? "";

    private Task<string> DeviceAsync(string id, CancellationToken cancellationToken) => CallAsync(() =>
        Find(Disks(), id) is { } element
            ? Target(element)
            : throw new HostException($"Disk {id} is not attached to VM {domain.Name} on host {hostName}; attach it again."), cancellationToken);

    private async Task<T> CallAsync<T>(Func<T> call, CancellationToken cancellationToken)
    {
        try
        {
            return await LibvirtConnection.RunAsync(call, cancellationToken).ConfigureAwait(false);
        }
        catch (LibvirtException ex)
        {
            throw new HostException($"Host {hostName} refused a change of VM {domain.Name}'s disks: {ex.Message.TrimEnd('.')}; check the host's log for the VM and try again.", ex);
        }
        catch (ArgumentException ex)
        {
            throw new HostException($"{ex.Message.TrimEnd('.')} (host {hostName}).", ex);
        }
    }
}
