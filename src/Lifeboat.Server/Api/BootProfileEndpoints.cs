using Lifeboat.Server.Contracts.RestorePoints;
using Lifeboat.Server.Data;
using Lifeboat.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Lifeboat.Server.Api;

/// <summary>/api/boot-profiles/{vm}: the blocks a VM's guest read while it last booted, prefetched on its next recovery.</summary>
public static class BootProfileEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/boot-profiles").WithTags("Boot profiles");
        group.MapGet("/{vm}", Get).WithSummary("The VM's boot profile: when and from which restore point it was recorded, and its size.")
            .RequireAuthorization(LifeboatPolicies.Viewer);
        group.MapDelete("/{vm}", Delete).WithSummary("Forgets the VM's boot profile: its next recovery boots without prefetch and records a new one.")
            .RequireAuthorization(LifeboatPolicies.Operator).Audited("boot-profile.delete");
    }

    private static Ok<BootProfileView> Get(string vm, BootProfileStore store) =>
        store.Get(vm) is { } profile
            ? TypedResults.Ok(new BootProfileView(vm, profile.RecordedAt, profile.RestorePointId, profile.SessionId, profile.Clusters, profile.Bytes))
            : throw LifeboatException.NotFound($"VM {vm} has no boot profile yet: its next instant recovery or verification records one.", "vm");

    private static NoContent Delete(string vm, BootProfileStore store) =>
        store.Delete(vm) ? TypedResults.NoContent() : throw LifeboatException.NotFound($"VM {vm} has no boot profile.", "vm");
}
