using Lifeboat.Repository;
using Lifeboat.Server.Contracts.Sessions;

namespace Lifeboat.Server.Sessions;

/// <summary>
/// A session as the database keeps it: the request, what it has set up so far (publication, VM runtime folder,
/// production disks), its state and timing. The runner changes it only through <see cref="SessionStore"/>.
/// </summary>
public sealed record SessionRecord
{
    public required string Id { get; init; }

    public required string Vm { get; init; }

    /// <summary>As asked (an id or "latest"); <see cref="RestorePointId"/> is the one found.</summary>
    public string? RequestedRestorePoint { get; init; }

    public string? RestorePointId { get; init; }

    public string? RepositoryPath { get; init; }

    /// <summary>The virtual size of each disk of the restore point.</summary>
    public IReadOnlyList<long> DiskSizes { get; init; } = [];

    /// <summary>The hardware the backup recorded, which the VM is defined from.</summary>
    public VmHardware? Hardware { get; init; }

    /// <summary>The host the VM runs on, by its inventory name (<see cref="LocalHostId"/> for the embedded QEMU host).</summary>
    public string HostId { get; init; } = LocalHostId;

    /// <summary>The libvirt network the VM has one NIC on; null: none.</summary>
    public string? Network { get; init; }

    /// <summary>The VM's name on its host as the user asked; null: named after its publication.</summary>
    public string? VmName { get; init; }

    public SessionState State { get; init; }

    public SessionPhase Phase { get; init; }

    public required string ReadyWhen { get; init; }

    public double ReadyTimeoutSeconds { get; init; }

    public bool PowerOn { get; init; } = true;

    public string? RedirectWritesTo { get; init; }

    public IReadOnlyDictionary<string, string> FirmwareConfig { get; init; } = new Dictionary<string, string>();

    /// <summary>The migration asked for with the recovery's migrateTo or a migrate request later, if any.</summary>
    public MigrationRequest? Migration { get; init; }

    /// <summary>Set for a verification: it boots isolated, runs these checks, is never migrated and is torn down at the end.</summary>
    public VerificationPlan? Verification { get; init; }

    /// <summary>Set for a disk recovery: one disk of the restore point hot-plugged into a running VM instead of a VM of its own.</summary>
    public DiskAttachment? DiskRecovery { get; init; }

    /// <summary>A verification's result, once it has ended.</summary>
    public VerificationOutcome? Outcome { get; init; }

    /// <summary>The datastore folder the VM is published as.</summary>
    public string? Publication { get; init; }

    public string? CacheFolder { get; init; }

    public IReadOnlyList<string> DiskUrls { get; init; } = [];

    /// <summary>How the VM reaches its published disks: <see cref="DiskProtocols.Nfs"/> or <see cref="DiskProtocols.Nbd"/>.</summary>
    public string Protocol { get; init; } = DiskProtocols.Nfs;

    /// <summary>The VM's runtime folder (QMP socket, serial console); set once the VM is defined.</summary>
    public string? RuntimeDirectory { get; init; }

    /// <summary>What the VM's host answered when it defined the VM, to find it again after a restart (<see cref="Hypervisors.Hosts.IHostedVm.Reference"/>).</summary>
    public string? VmReference { get; init; }

    /// <summary>The production files the VM runs from after migration, one per disk.</summary>
    public IReadOnlyList<string> ProductionDisks { get; init; } = [];

    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the guest answered.</summary>
    public DateTimeOffset? ReadyAt { get; init; }

    public DateTimeOffset? EndedAt { get; init; }

    public string? Error { get; init; }

    /// <summary>
    /// The VM could not be removed from its host when the session ended (the host did not answer): the server removes
    /// it once the host answers again, and clears this.
    /// </summary>
    public bool LeftOnHost { get; init; }

    /// <summary>Why the last migration failed; the VM then still runs from the backup and can be migrated again.</summary>
    public string? MigrationError { get; init; }

    /// <summary>How long the quick migration paused the VM.</summary>
    public double? MigrationPauseSeconds { get; init; }

    /// <summary>From the session's creation to the guest answering.</summary>
    public double? RecoverySeconds => ReadyAt is { } ready ? Math.Round((ready - CreatedAt).TotalSeconds, 3) : null;

    public bool IsFinal => State is SessionState.Finalized or SessionState.Stopped or SessionState.Failed;

    public const string LocalHostId = "local";
}
