using Lifeboat.FileRestore;
using Lifeboat.Server.Contracts.FileRestore;
using Lifeboat.Server.FileRestore;

namespace Lifeboat.Server.Api;

/// <summary>The file-restore documents of the REST API, made from the sessions and the engine's types.</summary>
internal static class FileRestoreViews
{
    public static FileRestoreSessionView Session(FileRestoreSession session, TimeSpan idleTimeout, bool withDownloads)
    {
        var lastUsed = session.LastUsed;
        return new(
            session.Id, session.Vm, session.RestorePointId, session.User, session.CreatedAt, lastUsed, lastUsed + idleTimeout,
            withDownloads ? [.. session.Downloads.Select(Download)] : null);
    }

    public static FileRestoreDownloadView Download(FileRestoreDownload d) =>
        new(d.Id, d.Paths, d.Format, d.StartedAt, d.BytesDone, d.CurrentPath, d.EndedAt, d.Error);

    public static GuestFileSystemView FileSystem(GuestFileSystem f) => new(f.Name, f.Type, f.Label, f.Size, f.Problem);

    public static GuestEntryView Entry(GuestEntry e) => new(
        e.Path.ToString(), GuestText.Escape(e.Name), Convert.ToBase64String(e.Name), Type(e.Type), e.Size, e.Mode, e.Uid, e.Gid, e.ModifiedAt,
        e.LinkTarget is null ? null : GuestText.Escape(e.LinkTarget), e.LinkTarget is null ? null : Convert.ToBase64String(e.LinkTarget));

    public static GuestFolderView Folder(GuestFolderPage page) =>
        new(page.Folder.ToString(), page.Offset, page.Total, [.. page.Entries.Select(Entry)]);

    public static string Type(GuestEntryType type) => type switch
    {
        GuestEntryType.File => "file",
        GuestEntryType.Directory => "directory",
        GuestEntryType.Symlink => "symlink",
        GuestEntryType.CharDevice => "chardevice",
        GuestEntryType.BlockDevice => "blockdevice",
        GuestEntryType.Fifo => "fifo",
        GuestEntryType.Socket => "socket",
        _ => "unknown",
    };
}
