using Lifeboat.Server.Contracts.RestorePoints;

namespace Lifeboat.Cli.Commands;

/// <summary>The CLI's side of /api/restore-points: delete, protect and unprotect one by its id.</summary>
internal sealed class RestorePointsClient(ServerClient server)
{
    public Task<RestorePointDeletedView> DeleteAsync(string id, CancellationToken ct) =>
        server.SendAsync(HttpMethod.Delete, Path(id), null, ContractsJsonContext.Default.RestorePointDeletedView, ct);

    public Task<RestorePointView> SetProtectedAsync(string id, bool protect, CancellationToken ct) =>
        server.SendAsync(HttpMethod.Post, $"{Path(id)}/{(protect ? "protect" : "unprotect")}", null, ContractsJsonContext.Default.RestorePointView, ct);

    private static string Path(string id) => $"api/restore-points/{Uri.EscapeDataString(id)}";
}
