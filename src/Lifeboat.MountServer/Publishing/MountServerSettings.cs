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

    /// <summary>
    /// The folders besides <see cref="CacheRoot"/> a publication's writes may be redirected into (the server's declared
    /// datastores, or `mount-server --writable`), asked at each publish: the list may change while the host runs.
    /// </summary>
    public Func<IReadOnlyList<string>> WritableFolders { get; init; } = () => [];

    public NfsServerOptions Nfs { get; init; } = new();

    /// <summary>Serves every published disk over NBD too; null turns NBD off.</summary>
    public NbdServerOptions? Nbd { get; init; }

    /// <summary>
    /// Serves every published disk over NBD on this unix socket too, for a QEMU on this host (root and group lifeboat
    /// only, like <see cref="Control"/>, whose group it shares); null serves none.
    /// </summary>
    public string? NbdSocketPath { get; init; }

    /// <summary>The control program's unix socket (publish, unpublish, list); null serves none.</summary>
    public ControlSettings? Control { get; init; }

    public PublishedDiskOptions Disk { get; init; } = PublishedDiskOptions.Default;

    /// <summary>
    /// Publications made at start, after those kept from the last run and before the server listens, so that no client
    /// finds them missing; a VM@ID already published is not published again.
    /// </summary>
    public IReadOnlyList<StartPublication> PublishAtStart { get; init; } = [];

    /// <summary>Decoded-block cache of each published disk's restore point reader.</summary>
    public long BlockCacheBytes { get; init; } = RestorePointDisk.DefaultCacheBytes;
}
