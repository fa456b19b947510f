using System.Globalization;
using Lifeboat.FileRestore;
using Lifeboat.FileRestore.Archives;
using Lifeboat.Server.FileRestore;
using Lifeboat.Server.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Lifeboat.Server.Api;

/// <summary>
/// GET /api/file-restores/{id}/download: streams files of a session as an archive, or one regular file as it is. Every
/// download is in the audit log with its paths and format, once it has ended (how it ended is its outcome). A download
/// that fails once bytes have gone out is cut off (the client sees a broken response, never a short archive that looks
/// whole), and the session's document says why.
/// </summary>
internal static class FileRestoreDownloads
{
    public const string AuditActionName = "file-restore.download";

    /// <summary>The response header naming the download in the session's document.</summary>
    public const string DownloadHeader = "Lifeboat-Download";

    /// <summary>The most paths one download takes.</summary>
    public const int MaxPaths = 1000;

    public static async Task<IResult> DownloadAsync(
        string id, string[]? path, string? format, FileRestoreSessions sessions, AuditLog audit, HttpContext http)
    {
        var ct = http.RequestAborted;
        var session = sessions.Get(id) ?? throw FileRestoreEndpoints.NoSession(id);
        session.Touch();
        var formatName = format ?? "tar.zst";
        IReadOnlyList<GuestPath> paths;
        ArchiveFormat? archive;
        GuestEntry first;
        try
        {
            paths = Paths(path);
            archive = Format(formatName);
            first = await session.Browser.StatAsync(paths[0], ct);
            if (archive is null && (paths.Count != 1 || first.Type is not (GuestEntryType.File or GuestEntryType.Directory)))
                throw new FileRestoreException($"format=raw sends one regular file or one folder, and {(paths.Count != 1 ? $"{paths.Count} paths were given" : $"{paths[0]} is neither")}; ask for tar.zst or zip.", "format");
            foreach (var other in paths.Skip(1))
                await session.Browser.StatAsync(other, ct);
        }
        catch (FileRestoreException e)
        {
            await audit.RecordAsync(http.User, http.Connection.RemoteIpAddress?.ToString(), AuditActionName,
                $"file-restore session {session.Id}: {string.Join(", ", path ?? [])} as {formatName}", "refused: " + e.Message, CancellationToken.None);
            throw;
        }

        var download = session.StartDownload(paths, formatName);
        var target = $"file-restore session {session.Id} ({session.Vm}@{session.RestorePointId}): {string.Join(", ", download.Paths)} as {formatName}";
        string? error = null;
        // A session that closes (the server stops, say) cuts its downloads off instead of waiting for them.
        using var endOrGone = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, session.Ending);
        ct = endOrGone.Token;
        try
        {
            http.Response.Headers[DownloadHeader] = download.Id;
            var folderTar = archive is null && first.Type == GuestEntryType.Directory;
            http.Response.ContentType = archive is { } packed ? SelectionArchive.ContentType(packed) : folderTar ? "application/x-tar" : "application/octet-stream";
            http.Response.Headers.ContentDisposition = new ContentDispositionHeaderValue("attachment") { FileNameStar = FileName(session, first, archive) }.ToString();
            if (archive is null && !folderTar)
                http.Response.ContentLength = first.Size;
            var source = new ProgressSource(session.Browser, download);
            var body = new CountingStream(http.Response.Body, download, session);
            await using (body.ConfigureAwait(false))
            {
                if (archive is { } packing)
                    await SelectionArchive.WriteAsync(source, paths, packing, body, progress: null, ct);
                else if (folderTar)
                    await source.TarFolderAsync(paths[0], body, progress: null, ct);
                else
                    await source.CopyFileAsync(paths[0], body, progress: null, ct);
                await body.FlushAsync(ct);
            }
        }
        catch (Exception e) when (e is FileRestoreException or IOException or OperationCanceledException)
        {
            error = session.EndedBecause is { } why
                ? $"The file-restore session ended ({why}) before the download did; open it again and download anew."
                : e is OperationCanceledException ? "The client went away before the download ended." : e.Message;
            if (!http.Response.HasStarted && e is FileRestoreException)
            {
                http.Response.Clear();
                throw;
            }

            http.Abort();
        }
        finally
        {
            session.EndDownload(download, error);
            await audit.RecordAsync(http.User, http.Connection.RemoteIpAddress?.ToString(), AuditActionName, target,
                error is null ? string.Create(CultureInfo.InvariantCulture, $"ok: {download.BytesDone} bytes") : "failed: " + error, CancellationToken.None);
        }

        return TypedResults.Empty;
    }

    /// <summary>The download's file name: the file's own, the folder's + .tar, or VM-RESTOREPOINT + the archive's extension.</summary>
    private static string FileName(FileRestoreSession session, GuestEntry first, ArchiveFormat? archive)
    {
        if (archive is { } format)
            return $"{session.Vm}-{session.RestorePointId[..Math.Min(8, session.RestorePointId.Length)]}{SelectionArchive.Extension(format)}";
        var name = first.Path.IsRoot ? first.Path.FileSystem.Replace('/', '-') : GuestText.Escape(first.Name);
        return first.Type == GuestEntryType.Directory ? name + ".tar" : name;
    }

    private static IReadOnlyList<GuestPath> Paths(string[]? texts)
    {
        if (texts is null || texts.Length == 0)
            throw new FileRestoreException("The download names no path; give path=FS:/PATH, once per file or folder.", "path");
        if (texts.Length > MaxPaths)
            throw new FileRestoreException($"The download names {texts.Length} paths, more than the {MaxPaths} one download takes; download their folder instead.", "path");
        return [.. texts.Select(GuestPath.Parse)];
    }

    /// <summary>The archive format, or null for raw.</summary>
    private static ArchiveFormat? Format(string text) => text switch
    {
        "raw" => null,
        "tar" => ArchiveFormat.Tar,
        "tar.zst" => ArchiveFormat.TarZst,
        "zip" => ArchiveFormat.Zip,
        _ => throw new FileRestoreException($"The format '{text}' is not one the server writes; give tar.zst, zip, tar or raw.", "format"),
    };
}
