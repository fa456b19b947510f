namespace Lifeboat.Nfs.Datastore;

public sealed class DatastoreOptions
{
    public const string DefaultExportPath = "/lifeboat";

    /// <summary>The path clients MOUNT, e.g. <c>/lifeboat</c>.</summary>
    public string ExportPath { get; init; } = DefaultExportPath;

    /// <summary>
    /// Part of every file handle: keep it the same across restarts of the mount server so handles held by running
    /// VMs stay valid, and different between servers so one server's handles are NFS3ERR_STALE on another.
    /// 0 derives it from the machine name and <see cref="ExportPath"/>.
    /// </summary>
    public ulong DatastoreId { get; init; }

    /// <summary>Owner reported for the export root, publication folders, generated and disk files; null: the server's user.</summary>
    public uint? OwnerUid { get; init; }

    public uint? OwnerGid { get; init; }

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// The least time between two scans of a publication's client files folder for a file handle the server cannot
    /// place (after a restart, or a change behind its back); a handle that needs one sooner gets NFS3ERR_JUKEBOX.
    /// </summary>
    public TimeSpan MinRescanInterval { get; init; } = TimeSpan.FromSeconds(1);
}
