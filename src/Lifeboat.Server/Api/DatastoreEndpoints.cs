using Lifeboat.Server.Contracts.Storage;
using Lifeboat.Server.Inventory;
using Lifeboat.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Lifeboat.Server.Api;

/// <summary>/api/datastores: the places an admin declared that recoveries and migrations may write into.</summary>
public static class DatastoreEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/datastores").WithTags("Datastores");
        group.MapGet("/", List).WithSummary("The datastores: the server's cache folder, then those an admin declared.").RequireAuthorization(LifeboatPolicies.Viewer);
        group.MapPost("/", Add).WithSummary("Declares an existing folder a datastore: redirects and migrations may then write inside it.")
            .RequireAuthorization(LifeboatPolicies.Admin)
            .Audited("datastore.add", (context, _) => context.Arguments.OfType<AddDatastoreRequest>().FirstOrDefault() is { } r ? $"{r.Name} at {r.Path}" : "");
        group.MapDelete("/{name}", Remove).WithSummary("Removes a declared datastore; what was written there stays.")
            .RequireAuthorization(LifeboatPolicies.Admin).Audited("datastore.remove");
    }

    private static Ok<List<DatastoreView>> List(DatastoreRegistry datastores) => TypedResults.Ok(datastores.List().ToList());

    private static Created<DatastoreView> Add(AddDatastoreRequest request, DatastoreRegistry datastores) =>
        Answered.Created(datastores.Add(request), added => $"/api/datastores/{Uri.EscapeDataString(added.Name)}");

    private static NoContent Remove(string name, DatastoreRegistry datastores) => Answered.After(() => datastores.Remove(name));
}
