using Lifeboat.FileRestore.Archives.Tar;

namespace Lifeboat.FileRestore.Archives;

/// <summary>Where the entries of a selection go: a tar, a zip or a folder on this machine.</summary>
internal interface IEntrySink
{
    /// <summary>Whether a hard link can be kept as one; when not, the walker writes the original's bytes again under the link's name.</summary>
    bool KeepsHardLinks { get; }

    /// <summary>A folder, symlink, hard link, device or fifo (nothing to copy).</summary>
    ValueTask WriteEntryAsync(TarEntry entry, CancellationToken cancellationToken);

    /// <summary>Starts a regular file; its <see cref="TarEntry.Size"/> bytes go to the stream returned, then <see cref="EndFileAsync"/>.</summary>
    ValueTask<Stream> BeginFileAsync(TarEntry entry, CancellationToken cancellationToken);

    ValueTask EndFileAsync(CancellationToken cancellationToken);
}
