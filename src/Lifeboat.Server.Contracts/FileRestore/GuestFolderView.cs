namespace Lifeboat.Server.Contracts.FileRestore;

/// <summary>A page of a folder's entries in byte order of their names; <see cref="Total"/> is how many the folder has.</summary>
public sealed record GuestFolderView(string Path, int Offset, int Total, IReadOnlyList<GuestEntryView> Entries);
