namespace Lifeboat.FileRestore.Tests.Archives;

/// <summary>A guest whose root folder's tar is the bytes a test crafted: what a hostile or damaged file system could make the appliance's tar write.</summary>
internal sealed class CraftedTarSource : IGuestFileSource
{
    private readonly byte[] _tar;
    private readonly Exception? _failure;

    /// <param name="failure">Thrown once the tar's bytes are written, as a source fails when a read under the folder fails.</param>
    public CraftedTarSource(byte[] tar, Exception? failure = null)
    {
        _tar = tar;
        _failure = failure;
    }

    public Task<GuestEntry> StatAsync(GuestPath path, CancellationToken cancellationToken) =>
        Task.FromResult(path.IsRoot
            ? new GuestEntry(path, GuestEntryType.Directory, 0, 0x1ED, 0, 0, DateTimeOffset.FromUnixTimeSeconds(1600000000), null)
            : throw new FileRestoreException($"{path} does not exist.", "path"));

    public Task CopyFileAsync(GuestPath file, Stream destination, IProgress<long>? progress, CancellationToken cancellationToken) =>
        throw new FileRestoreException($"{file} is not a regular file.", "path");

    public async Task TarFolderAsync(GuestPath folder, Stream destination, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        await destination.WriteAsync(_tar, cancellationToken);
        if (_failure is not null)
            throw _failure;
    }
}
