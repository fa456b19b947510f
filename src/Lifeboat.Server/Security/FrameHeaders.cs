using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Lifeboat.Server.Security;

/// <summary>
/// No page of this server may be shown inside another page (clickjacking): every answer, whatever made it, says so in
/// both the old header and the CSP one. The antiforgery system's own SAMEORIGIN header is turned off in its place.
/// </summary>
public static class FrameHeaders
{
    public const string FrameOptions = "DENY";
    public const string ContentSecurityPolicy = "frame-ancestors 'none'";

    /// <summary>Call first: the headers are set when the answer starts, so a re-executed 404 page or an error answer carries them too.</summary>
    public static void UseFrameHeaders(this WebApplication app) => app.Use((context, next) =>
    {
        context.Response.OnStarting(static state =>
        {
            var headers = ((HttpResponse)state).Headers;
            headers.XFrameOptions = FrameOptions;
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            return Task.CompletedTask;
        }, context.Response);
        return next(context);
    });
}
