using System.Text.RegularExpressions;
using Lifeboat.Server.Hosting;
using Lifeboat.Server.Security;
using Lifeboat.Server.Tests.Support;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Lifeboat.Server.Tests.Security;

/// <summary>One endpoint of the app, as its route table has it, with the policy it carries (null: open).</summary>
internal sealed partial record MappedEndpoint(string Method, string Pattern, string? Policy)
{
    /// <summary>The pattern with every parameter filled in: ids that name nothing, so no call here changes anything.</summary>
    public string Path => Parameters().Replace(Pattern, m => m.Groups[2].Value == "long" ? "999999" : "nothing-here").TrimStart('/');

    public override string ToString() => $"{Method} {Pattern}";

    [GeneratedRegex(@"\{([^}:]+)(?::([^}]+))?\}")]
    private static partial Regex Parameters();
}

/// <summary>
/// The endpoints of the app the server builds, read from its route table (not from a list kept beside it), so an
/// endpoint added later is in every test of this folder at once.
/// </summary>
internal static class RouteTable
{
    public static async Task<IReadOnlyList<MappedEndpoint>> ReadAsync()
    {
        using var folder = new TestFolder();
        var (app, dataLock) = ServerApp.Build(new ServerOptions { DataDirectory = folder.Combine("data") });
        using (dataLock)
        {
            await using (app)
            {
                return ((IEndpointRouteBuilder)app).DataSources.SelectMany(source => source.Endpoints).OfType<RouteEndpoint>()
                    .SelectMany(endpoint => (endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                        .Select(method => new MappedEndpoint(method, endpoint.RoutePattern.RawText!, PolicyOf(endpoint))))
                    .OrderBy(e => e.Pattern, StringComparer.Ordinal).ThenBy(e => e.Method, StringComparer.Ordinal)
                    .ToList();
            }
        }
    }

    /// <summary>The strongest policy named on the endpoint; the fallback (viewer) when it names none; null when it allows anyone.</summary>
    private static string? PolicyOf(Endpoint endpoint)
    {
        if (endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null)
            return null;
        var policies = endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).ToList();
        return policies.Contains(LifeboatPolicies.Admin) ? LifeboatPolicies.Admin
            : policies.Contains(LifeboatPolicies.Operator) ? LifeboatPolicies.Operator
            : LifeboatPolicies.Viewer;
    }
}
