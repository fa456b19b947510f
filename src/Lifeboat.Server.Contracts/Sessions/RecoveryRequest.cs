namespace Lifeboat.Server.Contracts.Sessions;

/// <summary>The body of <c>POST /api/sessions</c>: an instant recovery of a VM from one of its restore points.</summary>
public sealed record RecoveryRequest
{
    public required string Vm { get; init; }

    /// <summary>A restore point id, or null / "latest" for the newest one.</summary>
    public string? RestorePoint { get; init; }

    /// <summary>A folder for the write cache instead of the mount server's cache folder (e.g. on production storage).</summary>
    public string? RedirectWritesTo { get; init; }

    /// <summary>When set, the session migrates the VM there as soon as the guest answers.</summary>
    public MigrationRequest? MigrateTo { get; init; }

    /// <summary>
    /// <c>running</c>, <c>console:TEXT</c> or <c>agent</c>; null means <c>agent</c> when the restore point's recorded
    /// hardware has a guest agent channel, else <c>running</c>.
    /// </summary>
    public string? ReadyWhen { get; init; }

    public double? ReadyTimeoutSeconds { get; init; }

    public bool PowerOn { get; init; } = true;

    /// <summary><c>nfs</c> (the default: the VM's disks are files of the NFS datastore) or <c>nbd</c> (QEMU's nbd driver, one export per disk).</summary>
    public string? Protocol { get; init; }

    /// <summary>QEMU fw_cfg strings for the guest (names start with <c>opt/</c>), e.g. the test guest's <c>opt/lifeboat/mode</c>.</summary>
    public IReadOnlyDictionary<string, string>? FirmwareConfig { get; init; }

    /// <summary>The host to run the VM on (<c>GET /api/hosts</c>); null: the local QEMU host.</summary>
    public string? Host { get; init; }

    /// <summary>A libvirt network on that host for the VM's one NIC; null: no NIC.</summary>
    public string? Network { get; init; }

    /// <summary>The VM's name on the host; null: named after its publication.</summary>
    public string? Name { get; init; }
}
