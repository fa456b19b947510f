namespace Lifeboat.Server.Contracts.FileRestore;

/// <summary>What <c>POST /api/file-restores/{id}/restore-to-vm</c> did, file by file.</summary>
/// <param name="Agent">The guest agent's version, and what it did not allow (guest-exec: no folders made, owners and modes not set).</param>
public sealed record RestoreToVmResult(string Vm, string Host, string RestorePoint, string Agent, IReadOnlyList<RestoredFileView> Files)
{
    /// <summary>Whether every file was written (or kept beside the guest's), none skipped or failed.</summary>
    public bool AllWritten => Files.All(f => f.Outcome is RestoredFileView.Written or RestoredFileView.KeptBoth);
}

/// <summary>One file, folder or link of a restore into a VM.</summary>
/// <param name="Source">Its <c>FS:/PATH</c> text in the restore point.</param>
/// <param name="Target">Where it went in the guest (the free name for <c>keptBoth</c>); null when no guest path could be made of it.</param>
/// <param name="Outcome"><c>written</c>, <c>keptBoth</c>, <c>skipped</c> or <c>failed</c>.</param>
/// <param name="Bytes">Bytes written into the guest.</param>
/// <param name="Detail">Why it was skipped or failed, or what was not kept (owner, mode, time); null when there is nothing to say.</param>
public sealed record RestoredFileView(string Source, string? Target, string Type, string Outcome, long Bytes, string? Detail)
{
    public const string Written = "written";
    public const string KeptBoth = "keptBoth";
    public const string Skipped = "skipped";
    public const string Failed = "failed";
}
