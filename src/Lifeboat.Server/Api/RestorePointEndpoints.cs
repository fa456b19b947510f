using Lifeboat.Server.Contracts.RestorePoints;
using Lifeboat.Server.Data;
using Lifeboat.Server.Inventory;
using Lifeboat.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Lifeboat.Server.Api;

/// <summary>
/// /api/restore-points: listed across every registered repository; deleted (Admin), protected (Operator) and unprotected
/// (Admin). Protecting only keeps data, so whoever runs recoveries may hold a restore point back from retention (say for
/// an investigation); unprotecting hands it back to retention and deletion, which is an admin's call like deleting it.
/// </summary>
public static class RestorePointEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/restore-points").WithTags("Repositories");
        group.MapGet("/", List).WithSummary("Restore points in every registered repository, oldest first; ?vm= filters.").RequireAuthorization(LifeboatPolicies.Viewer);
        group.MapDelete("/{id}", Delete).WithSummary("Deletes a restore point and frees what nothing else references; refused while it is protected or in use.")
            .RequireAuthorization(LifeboatPolicies.Admin).Audited("restore-point.delete");
        group.MapPost("/{id}/protect", Protect).WithSummary("Protects a restore point: retention keeps it (without counting it) and it cannot be deleted.")
            .RequireAuthorization(LifeboatPolicies.Operator).Audited("restore-point.protect");
        group.MapPost("/{id}/unprotect", Unprotect).WithSummary("Lifts a restore point's protection: retention and deletion may remove it again.")
            .RequireAuthorization(LifeboatPolicies.Admin).Audited("restore-point.unprotect");
    }

    private static Ok<List<RestorePointView>> List(string? vm, RepositoryRegistry registry, VerificationStore verifications)
    {
        var verified = verifications.LatestByRestorePoint();
        return TypedResults.Ok(registry.ListRestorePoints(vm).Select(p => RestorePointViews.From(p, verified.GetValueOrDefault(p.RestorePoint.Id))).ToList());
    }

    private static async Task<Ok<RestorePointDeletedView>> Delete(string id, RestorePointActions actions) =>
        TypedResults.Ok(await actions.DeleteAsync(id, CancellationToken.None));

    private static Ok<RestorePointView> Protect(string id, RestorePointActions actions, VerificationStore verifications) =>
        SetProtected(id, true, actions, verifications);

    private static Ok<RestorePointView> Unprotect(string id, RestorePointActions actions, VerificationStore verifications) =>
        SetProtected(id, false, actions, verifications);

    private static Ok<RestorePointView> SetProtected(string id, bool protect, RestorePointActions actions, VerificationStore verifications)
    {
        var located = actions.SetProtected(id, protect);
        return TypedResults.Ok(RestorePointViews.From(located, verifications.LatestByRestorePoint().GetValueOrDefault(id)));
    }
}
