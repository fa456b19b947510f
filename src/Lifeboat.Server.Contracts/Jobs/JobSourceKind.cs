using System.Text.Json.Serialization;

namespace Lifeboat.Server.Contracts.Jobs;

/// <summary>Where a job reads the VM's disks from.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<JobSourceKind>))]
public enum JobSourceKind
{
    /// <summary>A running QEMU VM through its monitor socket (live backup).</summary>
    Qmp,

    /// <summary>A libvirt domain (live backup through libvirt).</summary>
    Libvirt,

    /// <summary>Disk image files at rest, such as an offline VM's.</summary>
    Disks,
}
