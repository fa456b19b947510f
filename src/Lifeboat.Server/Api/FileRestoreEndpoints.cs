using Lifeboat.FileRestore;
using Lifeboat.Server.Contracts.FileRestore;
using Lifeboat.Server.FileRestore;
using Lifeboat.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Lifeboat.Server.Api;

/// <summary>
/// /api/file-restores: browse a restore point's guest file systems and download files from them. A session keeps a
/// libguestfs appliance warm on the restore point; sessions live in the server's memory, so a server restart ends them.
/// Anyone signed in sees that sessions exist; their files are the operator's.
/// </summary>
public static class FileRestoreEndpoints
{
    private const int DefaultLimit = 1000;

    public static void Map(IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/file-restores").WithTags("File restore");
        group.MapPost("/", Open).WithSummary("Opens a file-restore session on a restore point (an appliance start: tens of seconds without KVM).")
            .RequireAuthorization(LifeboatPolicies.Operator)
            .Audited("file-restore.open", (context, answer) => OpenTarget(context.Arguments.OfType<OpenFileRestoreRequest>().FirstOrDefault(), answer as FileRestoreSessionView));
        group.MapGet("/", List).WithSummary("The open sessions (not their files or downloads); a server restart ends them all.").RequireAuthorization(LifeboatPolicies.Viewer);
        group.MapGet("/{id}", Get).WithSummary("A session with its running and last downloads (bytes done, current path, error).").RequireAuthorization(LifeboatPolicies.Operator);
        group.MapGet("/{id}/filesystems", FileSystems).WithSummary("The guest's file systems: name (sda1, vg0/root), type, label, size, and why one cannot be browsed.")
            .RequireAuthorization(LifeboatPolicies.Operator);
        group.MapGet("/{id}/tree", Tree).WithSummary("A page of a folder's entries: ?path=FS:/PATH&offset=&limit=.").RequireAuthorization(LifeboatPolicies.Operator);
        group.MapGet("/{id}/stat", Stat).WithSummary("One entry: ?path=FS:/PATH (a symlink is not followed).").RequireAuthorization(LifeboatPolicies.Operator);
        group.MapGet("/{id}/find", Find).WithSummary("Entries whose name matches a shell pattern: ?pattern=*.conf&under=FS:/PATH&limit=.").RequireAuthorization(LifeboatPolicies.Operator);
        group.MapGet("/{id}/download", FileRestoreDownloads.DownloadAsync)
            .WithSummary("Streams ?path=FS:/PATH (repeatable) as ?format=tar.zst (default), zip, tar, or raw (one regular file as it is, or one folder as the appliance's tar, names relative to it); the Lifeboat-Download header names its progress in GET /{id}.")
            .RequireAuthorization(LifeboatPolicies.Operator).WithMetadata(new AuditAction(FileRestoreDownloads.AuditActionName));
        group.MapDelete("/{id}", Close).WithSummary("Closes a session: its appliance stops and its publication is removed.")
            .RequireAuthorization(LifeboatPolicies.Operator).Audited("file-restore.close");
    }

    public static LifeboatException NoSession(string id) =>
        LifeboatException.NotFound($"There is no file-restore session {id} (closed, idle too long, or the server restarted); open one with POST /api/file-restores.", "id");

    private static async Task<IResult> Open(OpenFileRestoreRequest request, FileRestoreSessions sessions, HttpContext http)
    {
        var session = await sessions.OpenAsync(request.Vm, request.RestorePoint, LifeboatClaims.Who(http.User), http.RequestAborted);
        return TypedResults.Created($"/api/file-restores/{session.Id}", FileRestoreViews.Session(session, sessions.IdleTimeout, withDownloads: true));
    }

    private static Ok<List<FileRestoreSessionView>> List(FileRestoreSessions sessions) =>
        TypedResults.Ok(sessions.List().Select(s => FileRestoreViews.Session(s, sessions.IdleTimeout, withDownloads: false)).ToList());

    private static IResult Get(string id, FileRestoreSessions sessions) =>
        TypedResults.Ok(FileRestoreViews.Session(sessions.Get(id) ?? throw NoSession(id), sessions.IdleTimeout, withDownloads: true));

    private static Task<IResult> FileSystems(string id, FileRestoreSessions sessions, CancellationToken ct) =>
        UseAsync(sessions, id, async session => TypedResults.Ok((await session.Browser.ListFileSystemsAsync(ct)).Select(FileRestoreViews.FileSystem).ToList()));

    private static Task<IResult> Tree(string id, string? path, int? offset, int? limit, FileRestoreSessions sessions, CancellationToken ct) =>
        UseAsync(sessions, id, async session =>
        {
            var folder = GuestPath.Parse(Required(path, "path"));
            var page = await session.Browser.ListAsync(folder, Offset(offset), Limit(limit, FileRestoreBrowser.MaxPageSize), ct);
            return TypedResults.Ok(FileRestoreViews.Folder(page));
        });

    private static Task<IResult> Stat(string id, string? path, FileRestoreSessions sessions, CancellationToken ct) =>
        UseAsync(sessions, id, async session => TypedResults.Ok(FileRestoreViews.Entry(await session.Browser.StatAsync(GuestPath.Parse(Required(path, "path")), ct))));

    private static Task<IResult> Find(string id, string? pattern, string? under, int? limit, FileRestoreSessions sessions, CancellationToken ct) =>
        UseAsync(sessions, id, async session =>
        {
            var found = await session.Browser.FindAsync(under is null ? null : GuestPath.Parse(under), Required(pattern, "pattern"), Limit(limit, FileRestoreBrowser.MaxFindResults), ct);
            return TypedResults.Ok(found.Select(FileRestoreViews.Entry).ToList());
        });

    private static async Task<IResult> Close(string id, FileRestoreSessions sessions) =>
        await sessions.CloseAsync(id) ? TypedResults.NoContent() : throw NoSession(id);

    /// <summary>Runs <paramref name="use"/> on the session (marked used); a session closed meanwhile is one that is not there.</summary>
    private static async Task<IResult> UseAsync(FileRestoreSessions sessions, string id, Func<FileRestoreSession, Task<IResult>> use)
    {
        var session = sessions.Get(id) ?? throw NoSession(id);
        session.Touch();
        try
        {
            return await use(session);
        }
        catch (ObjectDisposedException)
        {
            throw NoSession(id);
        }
        catch (FileRestoreException e) when (session.EndedBecause is { } why)
        {
            // Its appliance was shut down under the call (a server that stops does not wait for it).
            throw new LifeboatException(LifeboatErrorReason.Unavailable, $"The file-restore session {id} ended ({why}) before this answer was ready; open a new one.", innerException: e);
        }
    }

    private static string Required(string? value, string field) =>
        string.IsNullOrEmpty(value) ? throw new FileRestoreException($"The query parameter {field} is missing; give it, e.g. {field}={(field == "pattern" ? "*.conf" : "sda1:/etc")}.", field) : value;

    private static int Offset(int? offset) =>
        offset is null or >= 0 ? offset ?? 0 : throw new FileRestoreException($"The offset {offset} is negative; give 0 or more.", "offset");

    private static int Limit(int? limit, int max) =>
        limit is null ? Math.Min(DefaultLimit, max) : limit >= 1 && limit <= max ? limit.Value : throw new FileRestoreException($"The limit {limit} is not from 1 to {max}.", "limit");

    private static string OpenTarget(OpenFileRestoreRequest? request, FileRestoreSessionView? session) =>
        $"{request?.Vm}@{request?.RestorePoint ?? "latest"}{(session is null ? "" : $" as file-restore session {session.Id} ({session.RestorePoint})")}";
}
