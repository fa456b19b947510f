using Lifeboat.FileRestore;

namespace Lifeboat.Server.FileRestore.IntoVm;

/// <summary>What a restore into a VM does with a file the guest already has.</summary>
public enum RestoreConflict
{
    Skip,
    Overwrite,
    KeepBoth,
}

/// <summary>The request's words for <see cref="RestoreConflict"/>.</summary>
public static class RestoreConflicts
{
    /// <exception cref="FileRestoreException">Not one of the words (field <c>conflict</c>).</exception>
    public static RestoreConflict Parse(string? text) => text switch
    {
        null or "" or "skip" => RestoreConflict.Skip,
        "overwrite" => RestoreConflict.Overwrite,
        "keepBoth" or "keep-both" => RestoreConflict.KeepBoth,
        _ => throw new FileRestoreException($"conflict '{text}' is not skip, overwrite or keepBoth.", "conflict"),
    };
}
