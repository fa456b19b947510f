using Lifeboat.Server.Contracts.Repositories;
using Lifeboat.Server.Data;
using Lifeboat.Server.Inventory;
using Lifeboat.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Lifeboat.Server.Api;

/// <summary>/api/repositories: register, list, check and unregister repositories, and their usage over time.</summary>
public static class RepositoryEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var repositories = app.MapGroup("/api/repositories").WithTags("Repositories");
        repositories.MapGet("/", List).WithSummary("The registered repositories, the server's own (the default) first, with what each holds and its file system's used and free bytes.")
            .RequireAuthorization(LifeboatPolicies.Viewer);
        repositories.MapPost("/", Add).WithSummary("Registers an existing repository.").RequireAuthorization(LifeboatPolicies.Admin)
            .Audited("repository.add", (context, _) => context.Arguments.OfType<AddRepositoryRequest>().FirstOrDefault()?.Path ?? "");
        repositories.MapPost("/check", Check)
            .WithSummary("?path=: opens a registered repository, reads every manifest and looks every chunk up in the pack indexes (reads no chunk).")
            .RequireAuthorization(LifeboatPolicies.Operator).Refuses(StatusCodes.Status404NotFound).Audited("repository.check", PathArgument);
        repositories.MapDelete("/", Unregister)
            .WithSummary("?path=: unregisters a repository (never its files); refused for the default one and one a job or a session uses.")
            .RequireAuthorization(LifeboatPolicies.Admin).Refuses(StatusCodes.Status404NotFound).Audited("repository.unregister", PathArgument);
        repositories.MapGet("/history", History).WithSummary("?path=: a registered repository's usage samples, oldest first.")
            .RequireAuthorization(LifeboatPolicies.Viewer).Refuses(StatusCodes.Status404NotFound);
    }

    private static string PathArgument(EndpointFilterInvocationContext context, object? _) => context.HttpContext.Request.Query["path"].ToString();

    private static Ok<List<RepositoryView>> List(RepositoryRegistry registry) =>
        TypedResults.Ok(registry.List().Select(RepositoryInspection.View).ToList());

    private static Results<Created<RepositoryView>, Ok<RepositoryView>> Add(AddRepositoryRequest request, RepositoryRegistry registry)
    {
        var (added, repository) = registry.Add(request.Path, "path");
        var view = RepositoryInspection.View(repository);
        return added ? TypedResults.Created("/api/repositories", view) : TypedResults.Ok(view);
    }

    private static Ok<RepositoryCheckView> Check(string? path, RepositoryRegistry registry, CancellationToken cancellationToken) =>
        TypedResults.Ok(RepositoryInspection.Check(Registered(path, registry), cancellationToken));

    private static NoContent Unregister(string? path, RepositoryUnregistration unregistration) => Answered.After(() => unregistration.Unregister(Valid(path)));

    private static Ok<List<RepositoryUsageSample>> History(string? path, RepositoryRegistry registry, RepositoryUsageStore usage) =>
        TypedResults.Ok(usage.List(Registered(path, registry)).ToList());

    private static string Valid(string? path) => HostPath.Problem(path, "path") is { } problem ? throw LifeboatException.Invalid("path", problem) : path!;

    /// <summary>The registered path <paramref name="path"/> names.</summary>
    private static string Registered(string? path, RepositoryRegistry registry)
    {
        var full = RepositoryUnregistration.Canonical(Valid(path));
        return registry.List().Any(r => r.Path == full)
            ? full
            : throw LifeboatException.NotFound($"No repository is registered at {full}; the registered ones are: {string.Join(", ", registry.List().Select(r => r.Path))}.", "path");
    }
}
