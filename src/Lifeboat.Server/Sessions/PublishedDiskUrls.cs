using Lifeboat.MountServer.Publishing;

namespace Lifeboat.Server.Sessions;

/// <summary>The URLs a session's VM opens a publication's disks at, one per disk, by the session's protocol.</summary>
internal static class PublishedDiskUrls
{
    /// <summary>
    /// The datastore's files, or the NBD exports of the same disks, on the mount server's unix socket when it has one
    /// (the sessions' QEMU runs on this host), else over TCP.
    /// </summary>
    /// <exception cref="LifeboatException">NBD was asked for and the mount server serves none.</exception>
    public static IReadOnlyList<string> For(PublicationInfo publication, string protocol)
    {
        if (protocol != DiskProtocols.Nbd)
            return publication.DiskUrls;
        // A narrowed publication is for a host elsewhere: it reaches the exports over TCP at the address they name.
        if (publication.Clients is null && publication.NbdUnixUrls.Count == publication.DiskUrls.Count && publication.NbdUnixUrls.Count > 0)
            return publication.NbdUnixUrls;
        if (publication.NbdUrls.Count != publication.DiskUrls.Count)
            throw LifeboatException.Conflict($"The mount server serves no NBD exports for publication {publication.Name}; recover with the nfs protocol.");
        return publication.NbdUrls;
    }
}
