using System.Net;
using Lifeboat.Disks;
using Lifeboat.Nbd.Server;
using Lifeboat.Nfs.Datastore;

namespace Lifeboat.MountServer.Publishing;

/// <summary>A publication the mount server serves: its record, its datastore folder, its disks and their NBD devices.</summary>
internal sealed class LivePublication(PublicationRecord record, DatastorePublication datastore, IReadOnlyList<PublishedDisk> disks, IReadOnlyList<INbdBlockDevice> nbdDevices, IPAddress? servedAt)
    : IAsyncDisposable
{
    public PublicationRecord Record { get; } = record;

    public DatastorePublication Datastore { get; } = datastore;

    public IReadOnlyList<PublishedDisk> Disks { get; } = disks;

    public IReadOnlyList<INbdBlockDevice> NbdDevices { get; } = nbdDevices;

    /// <summary>Where a narrowed publication's clients reach the mount server; null when not narrowed.</summary>
    public IPAddress? ServedAt { get; } = servedAt;

    public async ValueTask DisposeAsync()
    {
        foreach (var disk in Disks)
            await disk.DisposeAsync().ConfigureAwait(false);
    }
}
