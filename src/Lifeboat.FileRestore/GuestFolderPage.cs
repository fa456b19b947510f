namespace Lifeboat.FileRestore;

/// <summary>
/// A slice of a folder's entries in byte order of their names: those from <see cref="Offset"/> on, at most the limit
/// asked. <see cref="Total"/> is how many the folder has (a folder may hold 100,000 entries: list it page by page).
/// </summary>
public sealed record GuestFolderPage(GuestPath Folder, int Offset, int Total, IReadOnlyList<GuestEntry> Entries);
