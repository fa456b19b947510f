namespace Lifeboat.Server.Contracts.Sessions;

/// <summary>The body of <c>POST /api/verifications</c>: boot a restore point in isolation, check it, tear it down.</summary>
public sealed record VerificationRequest
{
    public required string Vm { get; init; }

    /// <summary>A restore point id, or null / "latest" for the newest one.</summary>
    public string? RestorePoint { get; init; }

    /// <summary>As for a recovery: <c>agent</c>, <c>console:TEXT</c> or <c>running</c>; null chooses as a recovery does.</summary>
    public string? ReadyWhen { get; init; }

    /// <summary>For the guest to answer, and for each check; the server's ready timeout when null.</summary>
    public double? TimeoutSeconds { get; init; }

    public IReadOnlyList<VerificationCheck> Checks { get; init; } = [];

    /// <summary>QEMU fw_cfg strings for the guest, as for a recovery.</summary>
    public IReadOnlyDictionary<string, string>? FirmwareConfig { get; init; }

    /// <summary><c>nfs</c> (the default) or <c>nbd</c>: how the VM reaches its disks, as for a recovery.</summary>
    public string? Protocol { get; init; }

    /// <summary>The host to boot it on (<c>GET /api/hosts</c>); null: the local QEMU host.</summary>
    public string? Host { get; init; }
}
