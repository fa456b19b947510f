namespace Lifeboat.FileRestore;

/// <summary>
/// What the archives need of a browsing session: metadata, a file's bytes and a folder as tar. Every call is read-only.
/// </summary>
public interface IGuestFileSource
{
    /// <summary>lstat of one path.</summary>
    /// <exception cref="FileRestoreException">The path does not exist (field <c>path</c>), or its file system cannot be read.</exception>
    Task<GuestEntry> StatAsync(GuestPath path, CancellationToken cancellationToken);

    /// <summary>Copies a regular file's bytes to <paramref name="destination"/>, reporting bytes copied so far.</summary>
    /// <exception cref="FileRestoreException">
    /// The path is not a regular file, or the read failed; an I/O error under it names the file, the damaged chunk and its disk offset.
    /// </exception>
    Task CopyFileAsync(GuestPath file, Stream destination, IProgress<long>? progress, CancellationToken cancellationToken);

    /// <summary>
    /// Writes a folder and everything under it as an uncompressed tar (GNU format as the appliance's tar writes it: raw name
    /// bytes, numeric owners, modes, mtimes, symlinks; names relative to the folder, <c>./</c> first) to <paramref name="destination"/>.
    /// The tar comes from the guest's data: treat every header in it as hostile.
    /// </summary>
    /// <exception cref="FileRestoreException">The path is not a folder, or the read failed (as <see cref="CopyFileAsync"/>).</exception>
    Task TarFolderAsync(GuestPath folder, Stream destination, IProgress<long>? progress, CancellationToken cancellationToken);
}
