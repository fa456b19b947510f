using Lifeboat.Server.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace Lifeboat.Server.WebConsole;

/// <summary>
/// A request that no endpoint serves, once it is past authentication (anonymous users are sent to /login first): under
/// /api a JSON 404 in the <see cref="ApiError"/> shape; a page asked for with GET shows the console's 404 page inside
/// the layout, with status 404 and the address unchanged. No catch-all route does this: one would also match requests
/// that a real endpoint refuses for their method or content type, and hide its 405 or 415.
/// </summary>
public static class UnknownPaths
{
    public const string NotFoundPage = "/not-found";

    /// <summary>Call first: the 404 page is rendered by routing the request again.</summary>
    public static void UseUnknownPaths(this WebApplication app)
    {
        app.UseStatusCodePagesWithReExecute(NotFoundPage, createScopeForStatusCodePages: true);
        app.UseRouting();
        app.Use(async (context, next) =>
        {
            await next(context);
            if (context.Response.StatusCode != StatusCodes.Status404NotFound || context.Response.HasStarted || context.GetEndpoint() is not null)
            {
                Disable(context);
                return;
            }

            if (context.Request.Path.StartsWithSegments("/api"))
            {
                Disable(context);
                await ErrorAnswers.WriteAsync(context, ErrorAnswers.Problem(StatusCodes.Status404NotFound,
                    $"There is no API endpoint {context.Request.Method} {context.Request.Path}; the server lists its endpoints at /openapi/v1.json."));
                return;
            }

            if (!HttpMethods.IsGet(context.Request.Method))
                Disable(context);
        });
    }

    /// <summary>Only an unknown page asked for with GET is re-executed; every other answer stays as it is.</summary>
    private static void Disable(HttpContext context)
    {
        if (context.Features.Get<IStatusCodePagesFeature>() is { } pages)
            pages.Enabled = false;
    }
}
