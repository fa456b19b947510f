using System.Net;
using Lifeboat.Disks;
using Lifeboat.Nbd.Server;
using Lifeboat.Nfs.Datastore;

namespace Lifeboat.MountServer.Publishing;

/// <summary>A publication the mount server serves: its record, its datastore folder, its disks and their NBD devices.</summary>
internal sealed class LivePublication(PublicationRecord record, DatastorePublication datastore, IReadOnlyList<PublishedDisk> disks, IReadOnlyList<INbdBlockDevice> nbdDevices) : IAsyncDisposable
{
    public PublicationRecord Record { get; } = record;

    public DatastorePublication Datastore { get; } = datastore;

    public IReadOnlyList<PublishedDisk> Disks { get; } = disks;

    public IReadOnlyList<INbdBlockDevice> NbdDevices { get; } = nbdDevices;

    public IPAddress? ServedAt { get; } = record.ServedAt is { } address ? IPAddress.Parse(address) : null;

    public async ValueTask DisposeAsync()
    {
        foreach (var disk in Disks)
            await disk.DisposeAsync().ConfigureAwait(false);
    }
}
