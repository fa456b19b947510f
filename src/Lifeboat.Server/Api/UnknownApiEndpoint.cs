using Lifeboat.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Lifeboat.Server.Api;

/// <summary>
/// Any path under /api that no endpoint serves: a JSON 404 in the <see cref="ApiError"/> shape, never the console's
/// 404 page (whose catch-all route would take it otherwise). A real endpoint's literal segments always win over it.
/// </summary>
public static class UnknownApiEndpoint
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.Map("/api/{**path}", Answer).RequireAuthorization(LifeboatPolicies.Viewer).ExcludeFromDescription();

    private static NotFound<ApiError> Answer(HttpContext context, string? path) =>
        TypedResults.NotFound(new ApiError($"There is no API endpoint {context.Request.Method} /api/{path}; the server lists its endpoints at /openapi/v1.json."));
}
