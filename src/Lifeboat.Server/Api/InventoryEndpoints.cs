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

/// <summary>/api/server (repositories are <see cref="RepositoryEndpoints"/>, restore points <see cref="RestorePointEndpoints"/>).</summary>
public static class InventoryEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/api/server", Server).WithTags("Server").WithSummary("The server and its mount server.").RequireAuthorization(LifeboatPolicies.Viewer);
    }

    private static Ok<ServerInfoView> Server(MountServerService mount, DataFolder data)
    {
        var nfs = mount.Host.Nfs;
        var version = typeof(InventoryEndpoints).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "dev";
        return TypedResults.Ok(new ServerInfoView(version, data.Root, mount.RepositoryPath, nfs.LocalEndPoint.ToString(), nfs.Datastore.ExportPath,
            nfs.PortmapMode.ToString(), mount.Host.Publications.Count, Environment.ProcessId));
    }
}
