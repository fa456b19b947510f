using Lifeboat.Disks;
using Lifeboat.MountServer.Control;
using Lifeboat.Nbd.Server;
using Lifeboat.Nfs.Server;
using Lifeboat.Repository;

namespace Lifeboat.MountServer.Publishing;

public sealed class MountServerSettings
{
    public required string RepositoryPath { get; init; }

    public string? Password { get; init; }

    /// <summary>Holds the publication list and, unless a publication redirects its writes, each publication's write cache.</summary>
    public required string CacheRoot { get; init; }

    public NfsServerOptions Nfs { get; init; } = new();

    /// <summary>Serves every published disk over NBD too; null turns NBD off.</summary>
    public NbdServerOptions? Nbd { get; init; }

    /// <summary>The control program's unix socket (publish, unpublish, list); null serves none.</summary>
    public ControlSettings? Control { get; init; }

    public PublishedDiskOptions Disk { get; init; } = PublishedDiskOptions.Default;

    /// <summary>Decoded-block cache of each published disk's restore point reader.</summary>
    public long BlockCacheBytes { get; init; } = RestorePointDisk.DefaultCacheBytes;
}
