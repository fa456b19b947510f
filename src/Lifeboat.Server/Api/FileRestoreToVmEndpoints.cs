using System.Globalization;
using Lifeboat.FileRestore;
using Lifeboat.Hypervisors.Hosts;
using Lifeboat.Server.Contracts.FileRestore;
using Lifeboat.Server.FileRestore;
using Lifeboat.Server.FileRestore.IntoVm;
using Lifeboat.Server.Security;
using Lifeboat.Server.Sessions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Lifeboat.Server.Api;

/// <summary>
/// POST /api/file-restores/{id}/restore-to-vm: files and folders of a file-restore session's restore point written into a
/// running VM through its QEMU guest agent, answered file by file once all are done. The operator's, and audited with
/// the paths and the VM.
/// </summary>
public static class FileRestoreToVmEndpoints
{
    public const string AuditActionName = "file-restore.restore-to-vm";

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/api/file-restores/{id}/restore-to-vm", RestoreAsync).WithTags("File restore")
            .WithSummary("Writes paths of the session's restore point into a running VM through its guest agent (conflict: skip, overwrite or keepBoth); says per file what it did.")
            .RequireAuthorization(LifeboatPolicies.Operator)
            .Audited(AuditActionName, (context, answer) => Target(
                context.GetArgument<string>(0), context.Arguments.OfType<RestoreToVmRequest>().FirstOrDefault(), answer as RestoreToVmResult));
    }

    private static async Task<IResult> RestoreAsync(string id, RestoreToVmRequest request, FileRestoreSessions sessions, VmFileRestorer restorer, HttpContext http)
    {
        var session = sessions.Get(id) ?? throw FileRestoreEndpoints.NoSession(id);
        List<GuestPath> paths;
        try
        {
            paths = [.. (request.Paths ?? []).Take(VmFileRestorer.MaxPaths).Select(GuestPath.Parse)];
        }
        catch (FileRestoreException e)
        {
            throw new FileRestoreException(e.Message, "paths", e);
        }

        // Registered as a transfer: the session is not idle while it runs, and GET /{id} shows where it is.
        var transfer = session.StartDownload(paths, "vm:" + request.Vm);
        string? error = null;
        try
        {
            var result = await restorer.RestoreAsync(session.Browser, session.RestorePointId, request, new Progress(transfer), http.RequestAborted);
            transfer.Add(result.Files.Sum(f => f.Bytes));
            return TypedResults.Ok(result);
        }
        catch (FileRestoreException e)
        {
            error = e.Message;
            throw;
        }
        catch (HostException e)
        {
            error = e.Message;
            throw LifeboatException.Conflict(e.Message, "vm", e);
        }
        catch (SessionStepException e)
        {
            error = e.Message;
            throw LifeboatException.Invalid("host", e.Message, e);
        }
        catch (ObjectDisposedException)
        {
            error = "the session closed";
            throw FileRestoreEndpoints.NoSession(id);
        }
        catch (OperationCanceledException)
        {
            error = "The client went away before the restore ended.";
            throw;
        }
        finally
        {
            session.EndDownload(transfer, error);
        }
    }

    private static string Target(string id, RestoreToVmRequest? request, RestoreToVmResult? result)
    {
        var paths = string.Join(", ", request?.Paths ?? []);
        var where = $"VM {request?.Vm} on host {(string.IsNullOrEmpty(request?.Host) ? SessionRecord.LocalHostId : request.Host)}"
            + (request?.GuestPath is { } folder ? $" in {folder}" : "");
        var what = result is null
            ? ""
            : string.Create(CultureInfo.InvariantCulture,
                $" ({result.Files.Count(f => f.Outcome == RestoredFileView.Written)} written, {result.Files.Count(f => f.Outcome == RestoredFileView.KeptBoth)} kept both, {result.Files.Count(f => f.Outcome == RestoredFileView.Skipped)} skipped, {result.Files.Count(f => f.Outcome == RestoredFileView.Failed)} failed)");
        return $"file-restore session {id}: {paths} into {where}, conflict {request?.Conflict ?? "skip"}{what}";
    }

    private sealed class Progress(FileRestoreDownload transfer) : IProgress<string>
    {
        public void Report(string value) => transfer.Reading(value);
    }
}
