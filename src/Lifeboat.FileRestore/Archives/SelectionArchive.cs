using ZstdSharp;

namespace Lifeboat.FileRestore.Archives;

/// <summary>
/// A selection of a restore point's paths packed into one archive, streamed to <c>destination</c> (an HTTP response or a
/// file) with bounded memory: each path under its own name at the archive's top (<c>sda1:/etc</c> is <c>etc/…</c>).
/// </summary>
public static class SelectionArchive
{
    /// <summary>zstd's level for tar.zst: its default, about GNU <c>tar | zstd</c>'s speed and ratio.</summary>
    public const int ZstdLevel = 3;

    /// <summary>The usual file name ending of a format (<c>.tar</c>, <c>.tar.zst</c>, <c>.zip</c>).</summary>
    public static string Extension(ArchiveFormat format) => format switch
    {
        ArchiveFormat.Tar => ".tar",
        ArchiveFormat.TarZst => ".tar.zst",
        _ => ".zip",
    };

    /// <summary>The media type of a format, for an HTTP response.</summary>
    public static string ContentType(ArchiveFormat format) => format switch
    {
        ArchiveFormat.Tar => "application/x-tar",
        ArchiveFormat.TarZst => "application/zstd",
        _ => "application/zip",
    };

    /// <summary>Writes the archive; <paramref name="progress"/> gets the bytes of file data written so far.</summary>
    /// <exception cref="FileRestoreException">
    /// No path, a path that is missing or a socket, a read that failed (naming the file, chunk and offset as the source
    /// says), or a folder whose tar is damaged or hostile. The destination then holds a partial archive.
    /// </exception>
    public static async Task WriteAsync(
        IGuestFileSource source,
        IReadOnlyList<GuestPath> paths,
        ArchiveFormat format,
        Stream destination,
        IProgress<long>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(destination);
        if (paths.Count == 0)
            throw new FileRestoreException("No path was selected; select at least one file or folder.", "paths");
        var counter = new ProgressCounter(progress);
        if (format == ArchiveFormat.Zip)
        {
            var zip = new ZipSink(destination);
            await WriteAllAsync(source, paths, zip, counter, cancellationToken);
            await zip.FinishAsync(cancellationToken);
            return;
        }

        var compressor = format == ArchiveFormat.TarZst ? new CompressionStream(destination, ZstdLevel, leaveOpen: true) : null;
        try
        {
            var tar = new TarSink(compressor ?? destination);
            await WriteAllAsync(source, paths, tar, counter, cancellationToken);
            await tar.FinishAsync(cancellationToken);
        }
        finally
        {
            if (compressor is not null)
                await compressor.DisposeAsync();
        }

        await destination.FlushAsync(cancellationToken);
    }

    private static async Task WriteAllAsync(IGuestFileSource source, IReadOnlyList<GuestPath> paths, IEntrySink sink, ProgressCounter counter, CancellationToken cancellationToken)
    {
        var walker = new SelectionWalker(source, sink, counter);
        var tops = EntryNames.TopNames(paths);
        for (var i = 0; i < paths.Count; i++)
            await walker.WriteAsync(paths[i], tops[i], cancellationToken);
    }
}
