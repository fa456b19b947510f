using System.Text.Json.Serialization;

namespace Lifeboat.Server.Contracts.Sessions;

/// <summary>Where a session stands. Finalized, Stopped and Failed are final.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SessionState>))]
public enum SessionState
{
    /// <summary>Initialization, NFS mapping, registering and starting: the guest does not answer yet.</summary>
    Starting,

    /// <summary>The VM runs from the backup and the guest answers (or it was asked not to be powered on).</summary>
    Ready,

    /// <summary>The VM's disks are being moved to production storage while it runs.</summary>
    Migrating,

    /// <summary>The VM runs from production storage; publication and cache are gone; the VM belongs to production.</summary>
    Finalized,

    Stopping,

    /// <summary>Powered off, undefined, unpublished, cache deleted; the backup is untouched.</summary>
    Stopped,

    /// <summary>A step failed; what the session had set up was removed.</summary>
    Failed,
}
