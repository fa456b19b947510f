using Lifeboat.Repository;

namespace Lifeboat.Cli.Output;

// The JSON documents the verbs print with --json. Their property names are a contract with scripts.

internal sealed record ErrorJson(string Error);

internal sealed record RepositoryJson(string Path, string RepositoryId, int FormatVersion, int BlockSize, string Compression, bool Encrypted);

internal sealed record DiskJson(int Index, string Name, long Size, long StoredBytes, long ZeroBlocks)
{
    /// <summary>Live backups only.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public ChangeTrackingJson? ChangeTracking { get; init; }
}

internal sealed record RestorePointJson(
    string Id, string Vm, DateTimeOffset Time, IReadOnlyList<DiskJson> Disks, long LogicalBytes, long StoredBytes, string? ParentId,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] ConsistencyJson? Consistency = null)
{
    /// <summary>The newest boot verification the server holds for this restore point, when a server answered.</summary>
    public VerifiedJson? Verified { get; init; }

    /// <summary>"full" or "incremental" (every disk read only what changed since an earlier restore point).</summary>
    public string Type { get; init; } = "full";

    /// <summary>True when the disks are tracked for changes from this restore point on.</summary>
    public bool ChangeTracked { get; init; }

    /// <summary>Kept by retention (without counting toward keep-last) and refused by deletion until unprotected.</summary>
    public bool Protected { get; init; }

    public static RestorePointJson From(RestorePointInfo rp) => new(
        rp.Id, rp.Vm, rp.Time,
        rp.Disks.Select(d => new DiskJson(d.Index, d.Name, d.Size, d.StoredBytes, d.ZeroBlocks)
        {
            ChangeTracking = d.ChangeTracking is { } t ? new ChangeTrackingJson(t.TrackingId, t.BaseRestorePointId, t.FullReadReason, t.BytesRead) : null,
        }).ToList(),
        rp.LogicalBytes, rp.StoredBytes, rp.ParentId,
        rp.Consistency is { } c ? new ConsistencyJson(c.Kind, c.FrozenMilliseconds, c.Reason, c.SourceIdentity) : null)
    {
        Type = rp.Incremental ? "incremental" : "full",
        ChangeTracked = rp.ChangeTracked,
        Protected = rp.Protected,
    };
}

internal sealed record VerifiedJson(bool Passed, string Summary, double? RecoverySeconds, DateTimeOffset VerifiedAt, string VerificationId);

/// <summary>How consistent a live backup is: its kind, how long the guest was frozen, why it was not.</summary>
internal sealed record ConsistencyJson(string Kind, double? FrozenMilliseconds, string? Reason, string? SourceIdentity);

/// <summary>How a live backup read a disk: the bitmap that tracks it now, the base of an incremental read, or why it read everything.</summary>
internal sealed record ChangeTrackingJson(string? Bitmap, string? BaseRestorePointId, string? FullReadReason, long BytesRead);

internal sealed record BackupJson(string RestorePointId, string Vm, long LogicalBytes, long StoredBytes, double Seconds, RestorePointJson RestorePoint);

internal sealed record BadRangeJson(int Disk, long Offset, long Length, string ChunkId);

internal sealed record RestoreJson(string RestorePointId, IReadOnlyList<string> Files, long BytesWritten, double Seconds, IReadOnlyList<BadRangeJson> BadRanges);

internal sealed record BadChunkJson(string ChunkId, string Reason, IReadOnlyList<AffectedJson> Affected);

internal sealed record AffectedJson(string RestorePointId, int Disk, IReadOnlyList<long> Offsets);

internal sealed record DamagedFileJson(string Path, string Reason);

internal sealed record VerifyJson(
    bool Ok, long ChunksChecked, long BytesChecked, double Seconds, IReadOnlyList<BadChunkJson> BadChunks, IReadOnlyList<DamagedFileJson> DamagedFiles);

internal sealed record RetentionJson(IReadOnlyList<string> RemovedRestorePoints, int PacksDeleted, int PacksRewritten, long BytesFreed);


internal sealed record PublicationJson(
    string Name, string Vm, string RestorePointId, string CacheFolder, IReadOnlyList<string> DiskUrls, IReadOnlyList<string> DiskUrlsWithPorts)
{
    public IReadOnlyList<string> NbdUrls { get; init; } = [];

    /// <summary>nbd+unix:// URLs for a QEMU on the mount server's host; empty when it has no NBD socket.</summary>
    public IReadOnlyList<string> NbdUnixUrls { get; init; } = [];

    public bool ReadOnly { get; init; }

    /// <summary>The only client addresses a narrowed publication answers; null when the mount server's allow list decides.</summary>
    public IReadOnlyList<string>? Clients { get; init; }

    /// <summary>The address of the mount server a narrowed publication's clients reach (its URLs name it).</summary>
    public string? ServedAt { get; init; }

    public static PublicationJson Of(Lifeboat.MountServer.Publishing.PublicationInfo p) =>
        new(p.Name, p.Vm, p.RestorePointId, p.CacheFolder, p.DiskUrls, p.DiskUrlsWithPorts)
        {
            NbdUrls = p.NbdUrls,
            NbdUnixUrls = p.NbdUnixUrls,
            ReadOnly = p.ReadOnly,
            Clients = p.Clients?.Select(c => c.ToString()).ToArray(),
            ServedAt = p.ServedAt?.ToString(),
        };
}

internal sealed record MountServerJson(int NfsPort, string Export, string Portmap, IReadOnlyList<PublicationJson> Publications)
{
    /// <summary>0 when NBD is off.</summary>
    public int NbdPort { get; init; }

    /// <summary>Null when NBD has no unix socket.</summary>
    public string? NbdSocket { get; init; }
}

internal sealed record UnpublishJson(string Unpublished);
