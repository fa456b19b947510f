using Lifeboat.Server.Contracts.Hosts;
using Lifeboat.Server.Inventory;
using Lifeboat.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Lifeboat.Server.Api;

/// <summary>/api/hosts: the hypervisor hosts sessions run VMs on, the embedded local QEMU host first.</summary>
public static class HostEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/hosts").WithTags("Hosts");
        group.MapGet("/", List).WithSummary("The hosts with what each has now: reachable or why not, versions, KVM or TCG, CPUs, memory, block drivers, Lifeboat's VMs there.")
            .RequireAuthorization(LifeboatPolicies.Viewer);
        group.MapPost("/", Add).WithSummary("Adds a libvirt host (qemu:///system, qemu+tcp|tls|ssh://HOST/system) once it answers.")
            .RequireAuthorization(LifeboatPolicies.Admin)
            .Audited("host.add", (context, _) => context.Arguments.OfType<AddHostRequest>().FirstOrDefault() is { } r ? $"{r.Name} at {r.Connect}" : "");
        group.MapDelete("/{name}", Remove).WithSummary("Removes an added host; what runs there stays.")
            .RequireAuthorization(LifeboatPolicies.Admin).Audited("host.remove");
    }

    private static async Task<Ok<List<HostView>>> List(HostInventory hosts, CancellationToken cancellationToken) =>
        TypedResults.Ok((await hosts.ListAsync(cancellationToken).ConfigureAwait(false)).ToList());

    private static async Task<Created<HostView>> Add(AddHostRequest request, HostInventory hosts, CancellationToken cancellationToken)
    {
        var added = await hosts.AddAsync(request, cancellationToken).ConfigureAwait(false);
        return TypedResults.Created($"/api/hosts/{Uri.EscapeDataString(added.Name)}", added);
    }

    private static NoContent Remove(string name, HostInventory hosts) => Answered.After(() => hosts.Remove(name));
}
