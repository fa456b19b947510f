using Lifeboat.FileRestore;

namespace Lifeboat.Server.FileRestore;

/// <summary>A session's file source that tells a download which path it reads now.</summary>
internal sealed class ProgressSource(IGuestFileSource inner, FileRestoreDownload download) : IGuestFileSource
{
    public Task<GuestEntry> StatAsync(GuestPath path, CancellationToken cancellationToken) => inner.StatAsync(path, cancellationToken);

    public Task CopyFileAsync(GuestPath file, Stream destination, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        download.Reading(file.ToString());
        return inner.CopyFileAsync(file, destination, progress, cancellationToken);
    }

    public Task TarFolderAsync(GuestPath folder, Stream destination, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        download.Reading(folder.ToString());
        return inner.TarFolderAsync(folder, destination, progress, cancellationToken);
    }
}
