using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Lifeboat.Server.Api;

/// <summary>GET /health: the one endpoint open without credentials; it says the server answers and nothing more.</summary>
public static class HealthEndpoint
{
    public const string Path = "/health";

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet(Path, () => TypedResults.Text("ok\n", "text/plain; charset=utf-8")).AllowAnonymous().WithTags("Server")
            .WithSummary("Answers ok while the server runs; open without credentials.");
}
