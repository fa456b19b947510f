using System.Text;
using System.Text.Json;
using Lifeboat.Hypervisors.Libvirt;
using Lifeboat.Hypervisors.Qemu;
using Lifeboat.Hypervisors.VMware;
using Lifeboat.Nfs.Datastore;
using Lifeboat.Repository;

namespace Lifeboat.MountServer.Publishing;

/// <summary>
/// The configuration files of a published VM, one per hypervisor dialect: `lifeboat.json` (what the backup
/// recorded), a libvirt domain XML whose disks are the datastore's nfs:// files, a VMware `.vmx`, and per disk a
/// VMDK descriptor for `diskN-flat.vmdk`.
/// </summary>
public static class PublicationFiles
{
    public const string LifeboatJson = "lifeboat.json";

    public static IReadOnlyList<DatastoreFile> Create(string publicationName, RestorePointInfo restorePoint, Func<string, string> diskUrl)
    {
        var hardware = restorePoint.VmConfig?.Hardware;
        var disks = restorePoint.Disks
            .Select(d => new PublishedDiskDocument(d.Index, d.Name, d.Size, DatastoreNames.RawDisk(d.Index), $"disk{d.Index}.vmdk"))
            .ToList();
        var document = new PublishedVmDocument(
            restorePoint.Vm, restorePoint.Id, restorePoint.Time, restorePoint.VmConfig?.Format, restorePoint.VmConfig?.Text,
            hardware?.Cpus, hardware?.MemoryMiB, hardware?.DiskBus, hardware?.NicModel, hardware?.Firmware,
            hardware?.Kernel, hardware?.Initrd, hardware?.Cmdline, disks);

        var vm = RecordedVm.Describe(publicationName, hardware, [.. disks.Select(d => diskUrl(d.RawFile))]);
        var files = new List<DatastoreFile>
        {
            new(LifeboatJson, JsonSerializer.SerializeToUtf8Bytes(document, PublishingJsonContext.Default.PublishedVmDocument)),
            new(publicationName + ".xml", Encoding.UTF8.GetBytes(LibvirtDomainXml.Create(vm))),
            new(publicationName + ".vmx", Encoding.UTF8.GetBytes(VmxFile.Create(vm, [.. disks.Select(d => d.VmdkFile)]))),
        };
        foreach (var disk in disks)
            files.Add(new DatastoreFile(disk.VmdkFile, Encoding.UTF8.GetBytes(VmdkDescriptor.Create(DatastoreNames.FlatVmdk(disk.Index), disk.Size))));
        return files;
    }
}
