using System.Reflection;
using Lifeboat.Hypervisors.Qemu.Host;
using Lifeboat.Repository;
using Lifeboat.Server.Hosting;
using Lifeboat.Server.Inventory;
using Lifeboat.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Lifeboat.Server.Api;

/// <summary>/api/server, /api/repositories (restore points are <see cref="RestorePointEndpoints"/>).</summary>
public static class InventoryEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/api/server", Server).WithTags("Server").WithSummary("The server and its mount server.").RequireAuthorization(LifeboatPolicies.Viewer);
        var repositories = app.MapGroup("/api/repositories").WithTags("Repositories");
        repositories.MapGet("/", ListRepositories).WithSummary("The registered repositories; the server's own is the default.").RequireAuthorization(LifeboatPolicies.Viewer);
        repositories.MapPost("/", AddRepository).WithSummary("Registers an existing repository.").RequireAuthorization(LifeboatPolicies.Admin)
            .Audited("repository.add", (context, _) => context.Arguments.OfType<AddRepositoryRequest>().FirstOrDefault()?.Path ?? "");
    }

    private static Ok<ServerInfoView> Server(MountServerService mount, DataFolder data)
    {
        var nfs = mount.Host.Nfs;
        var version = typeof(InventoryEndpoints).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "dev";
        return TypedResults.Ok(new ServerInfoView(version, data.Root, mount.RepositoryPath, nfs.LocalEndPoint.ToString(), nfs.Datastore.ExportPath,
            nfs.PortmapMode.ToString(), mount.Host.Publications.Count, Environment.ProcessId));
    }

    private static Ok<List<RepositoryView>> ListRepositories(RepositoryRegistry registry) =>
        TypedResults.Ok(registry.List().Select(r => new RepositoryView(r.Path, r.IsDefault, r.AddedAt)).ToList());

    private static Results<Created<RepositoryView>, Ok<RepositoryView>, BadRequest<ApiError>> AddRepository(AddRepositoryRequest request, RepositoryRegistry registry)
    {
        if (string.IsNullOrWhiteSpace(request.Path))
            return TypedResults.BadRequest(new ApiError("Give the repository's folder: lifeboat repo add PATH."));
        if (HostPath.Problem(request.Path, "path") is { } problem)
            return TypedResults.BadRequest(new ApiError(problem));
        try
        {
            var added = registry.Register(request.Path);
            var view = registry.List().Select(r => new RepositoryView(r.Path, r.IsDefault, r.AddedAt))
                .First(r => r.Path == Path.GetFullPath(request.Path));
            return added ? TypedResults.Created("/api/repositories", view) : TypedResults.Ok(view);
        }
        catch (Exception e) when (e is RepositoryException or IOException or UnauthorizedAccessException)
        {
            return TypedResults.BadRequest(new ApiError($"{request.Path} cannot be registered: {e.Message}"));
        }
    }
}
