using System.Buffers;
using Lifeboat.FileRestore;
using Lifeboat.Server.Contracts.FileRestore;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// A file-restore session's files read over the server's REST API, for the archives' extractor on this side: stat, a
/// file's bytes (<c>format=raw</c>) and a folder's tar as the appliance writes it (<c>format=raw</c> of a folder). The
/// tar is the guest's data: the extractor treats it as hostile.
/// </summary>
internal sealed class RemoteGuestFileSource(FilesSession session) : IGuestFileSource
{
    private const int CopyBufferLength = 256 * 1024;

    public async Task<GuestEntry> StatAsync(GuestPath path, CancellationToken cancellationToken)
    {
        try
        {
            return ToEntry(await session.Client.StatAsync(session.Id, path.ToString(), cancellationToken));
        }
        catch (CliException e)
        {
            throw new FileRestoreException(e.Message, "path", e);
        }
    }

    public Task CopyFileAsync(GuestPath file, Stream destination, IProgress<long>? progress, CancellationToken cancellationToken) =>
        DownloadAsync(file, destination, progress, cancellationToken);

    public Task TarFolderAsync(GuestPath folder, Stream destination, IProgress<long>? progress, CancellationToken cancellationToken) =>
        DownloadAsync(folder, destination, progress, cancellationToken);

    public static GuestEntry ToEntry(GuestEntryView view) => new(
        GuestPath.Parse(view.Path),
        ParseType(view.Type),
        view.Size,
        view.Mode,
        view.Uid,
        view.Gid,
        view.ModifiedAt,
        view.LinkTargetBase64 is null ? null : Convert.FromBase64String(view.LinkTargetBase64));

    private async Task DownloadAsync(GuestPath path, Stream destination, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await session.Client.DownloadAsync(session.Id, [path.ToString()], "raw", cancellationToken);
        }
        catch (CliException e)
        {
            throw new FileRestoreException(e.Message, "path", e);
        }

        using (response)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferLength);
            try
            {
                await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
                long done = 0;
                int read;
                while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                    done += read;
                    progress?.Report(done);
                }
            }
            catch (Exception e) when (e is IOException or HttpRequestException)
            {
                var why = await session.Client.DownloadErrorAsync(session.Id, response);
                throw new FileRestoreException(why ?? $"The server cut the download of {path} short ({e.Message}).", null, e);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private static GuestEntryType ParseType(string type) => type switch
    {
        "file" => GuestEntryType.File,
        "directory" => GuestEntryType.Directory,
        "symlink" => GuestEntryType.Symlink,
        "chardevice" => GuestEntryType.CharDevice,
        "blockdevice" => GuestEntryType.BlockDevice,
        "fifo" => GuestEntryType.Fifo,
        "socket" => GuestEntryType.Socket,
        _ => GuestEntryType.Unknown,
    };
}
