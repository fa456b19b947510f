namespace Lifeboat.Server.Contracts.FileRestore;

/// <summary>
/// The body of <c>POST /api/file-restores/{id}/restore-to-vm</c>: files and folders of the session's restore point put
/// into a running VM through its QEMU guest agent.
/// </summary>
/// <param name="Paths">What to restore, as <c>FS:/PATH</c> texts (a folder brings everything under it).</param>
/// <param name="Vm">The running VM: on the local host a live recovery session's VM (by name or session id), on a libvirt host any running domain.</param>
/// <param name="Host">The host it runs on; null for the local QEMU host.</param>
/// <param name="GuestPath">
/// The guest folder to put them in (each under its own name); null puts each back at its own path counted from its file
/// system's root, which is where it was when that file system is the guest's root.
/// </param>
/// <param name="Conflict">
/// What to do with a file that exists in the guest: <c>skip</c> (the default), <c>overwrite</c>, or <c>keepBoth</c> (the
/// restored copy is written beside it as <c>NAME.restored-RP</c>, RP the first 8 characters of the restore point's id,
/// then <c>-2</c>, <c>-3</c>… when that exists too). Folders are merged.
/// </param>
public sealed record RestoreToVmRequest(IReadOnlyList<string> Paths, string Vm, string? Host = null, string? GuestPath = null, string? Conflict = null);
