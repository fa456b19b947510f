using System.Buffers;
using System.IO.Pipelines;
using Lifeboat.FileRestore.Archives.Tar;

namespace Lifeboat.FileRestore.Archives;

/// <summary>
/// Feeds one selected path of a guest (file, folder with everything under it, symlink as a link) into a sink under its
/// top name. A folder comes from the source's tar, piped through a bounded <see cref="Pipe"/> and re-headered under the
/// top name as it streams, so memory stays bounded whatever the folder's size; a file comes from stat and copy.
/// </summary>
internal sealed class SelectionWalker
{
    /// <summary>How much of a folder's tar may wait between the source and the sink.</summary>
    private const long PipeBytes = 1024 * 1024;

    /// <summary>Hard links a sink that cannot keep them gets as copies after the folder's tar (the source serves one call at a time).</summary>
    private const int MaxDeferredHardLinks = 100_000;

    private const int CopyBufferLength = 128 * 1024;

    private readonly IGuestFileSource _source;
    private readonly IEntrySink _sink;
    private readonly ProgressCounter _progress;

    public SelectionWalker(IGuestFileSource source, IEntrySink sink, ProgressCounter progress)
    {
        _source = source;
        _sink = sink;
        _progress = progress;
    }

    /// <summary>Writes <paramref name="path"/> under <paramref name="top"/>.</summary>
    /// <returns>How many entries went to the sink.</returns>
    public async Task<long> WriteAsync(GuestPath path, byte[] top, CancellationToken cancellationToken)
    {
        var stat = await _source.StatAsync(path, cancellationToken);
        var entry = new TarEntry(top, TarEntryKind.File, stat.Mode, stat.Uid, stat.Gid, stat.Size, stat.ModifiedAt.ToUnixTimeSeconds());
        switch (stat.Type)
        {
            case GuestEntryType.File:
                await CopyFileAsync(path, entry, cancellationToken);
                return 1;
            case GuestEntryType.Directory:
                await _sink.WriteEntryAsync(entry with { Kind = TarEntryKind.Directory, Size = 0 }, cancellationToken);
                return 1 + await WriteFolderAsync(path, top, cancellationToken);
            case GuestEntryType.Symlink:
                await _sink.WriteEntryAsync(entry with { Kind = TarEntryKind.Symlink, Size = 0, LinkName = stat.LinkTarget ?? [] }, cancellationToken);
                return 1;
            case GuestEntryType.CharDevice or GuestEntryType.BlockDevice or GuestEntryType.Fifo:
                var kind = stat.Type switch { GuestEntryType.CharDevice => TarEntryKind.CharDevice, GuestEntryType.BlockDevice => TarEntryKind.BlockDevice, _ => TarEntryKind.Fifo };
                await _sink.WriteEntryAsync(entry with { Kind = kind, Size = 0 }, cancellationToken);
                return 1;
            default:
                throw new FileRestoreException($"{path} is a {stat.Type.ToString().ToLowerInvariant()}, which an archive cannot hold.", "path");
        }
    }

    private async Task CopyFileAsync(GuestPath path, TarEntry entry, CancellationToken cancellationToken)
    {
        var data = await _sink.BeginFileAsync(entry, cancellationToken);
        await _source.CopyFileAsync(path, new ProgressStream(data, _progress), null, cancellationToken);
        await _sink.EndFileAsync(cancellationToken);
    }

    private async Task<long> WriteFolderAsync(GuestPath folder, byte[] top, CancellationToken cancellationToken)
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: PipeBytes, resumeWriterThreshold: PipeBytes / 2, useSynchronizationContext: false));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var producer = Task.Run(
            async () =>
            {
                try
                {
                    await _source.TarFolderAsync(folder, pipe.Writer.AsStream(), null, stop.Token);
                    await pipe.Writer.CompleteAsync();
                }
                catch (Exception e)
                {
                    await pipe.Writer.CompleteAsync(e);
                }
            },
            CancellationToken.None);
        var hardLinks = new List<(TarEntry Entry, byte[] Original)>();
        long entries = 0;
        try
        {
            var reader = new TarReader(pipe.Reader.AsStream());
            while (await reader.NextAsync(cancellationToken) is { } entry)
            {
                var relative = EntryNames.Relative(entry.Name);
                if (relative.Length == 0)
                    continue;
                var renamed = entry with { Name = EntryNames.Under(top, relative) };
                if (entry.Kind == TarEntryKind.HardLink)
                {
                    var original = EntryNames.Relative(entry.LinkName ?? []);
                    if (original.Length == 0)
                        throw new FileRestoreException($"The folder's tar holds the hard link '{entry.DisplayName}' to the folder itself; the file system is damaged or hostile.", "tar");
                    renamed = renamed with { LinkName = EntryNames.Under(top, original) };
                    if (!_sink.KeepsHardLinks)
                    {
                        if (hardLinks.Count == MaxDeferredHardLinks)
                            throw new FileRestoreException($"{folder} holds more than {MaxDeferredHardLinks} hard links, which a zip would have to copy; download it as tar.zst.", "path");
                        hardLinks.Add((renamed, original));
                        continue;
                    }
                }

                if (entry.Kind == TarEntryKind.File)
                    await CopyDataAsync(reader, renamed, cancellationToken);
                else
                    await _sink.WriteEntryAsync(renamed, cancellationToken);
                entries++;
            }

            await reader.DrainAsync(cancellationToken);
        }
        catch
        {
            await stop.CancelAsync();
            await pipe.Reader.CompleteAsync();
            await producer;
            throw;
        }

        await pipe.Reader.CompleteAsync();
        await producer;
        foreach (var (entry, original) in hardLinks)
        {
            var originalPath = folder;
            foreach (var range in original.AsSpan().Split((byte)'/'))
                originalPath = originalPath.Child(original.AsSpan()[range]);
            var stat = await _source.StatAsync(originalPath, cancellationToken);
            await CopyFileAsync(originalPath, entry with { Kind = TarEntryKind.File, Size = stat.Size, LinkName = null }, cancellationToken);
            entries++;
        }

        return entries;
    }

    private async Task CopyDataAsync(TarReader reader, TarEntry entry, CancellationToken cancellationToken)
    {
        var data = await _sink.BeginFileAsync(entry, cancellationToken);
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferLength);
        try
        {
            int read;
            while ((read = await reader.ReadDataAsync(buffer, cancellationToken)) > 0)
            {
                await data.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                _progress.Add(read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        await _sink.EndFileAsync(cancellationToken);
    }
}
