using Microsoft.AspNetCore.Http;

namespace Lifeboat.Server.Security;

/// <summary>
/// Whether a browser sent a request from this server's own pages. The server may listen on any address and port, over
/// HTTP or HTTPS, so its origin is the request's own scheme, host and port (the browser sets Host; a page cannot). A
/// browser says where a request comes from in <c>Sec-Fetch-Site</c> and <c>Origin</c> (no page can set either), or,
/// when it sends no Origin, in <c>Referer</c>; a request that says nothing is not taken as same-origin.
/// </summary>
public static class SameOrigin
{
    public const string FetchSiteHeader = "Sec-Fetch-Site";

    /// <returns>Null when the request comes from this server's own origin; else where it says it comes from (or that it says nothing).</returns>
    public static string? ForeignSource(HttpRequest request)
    {
        var own = OwnOrigin(request);
        var fetchSite = request.Headers[FetchSiteHeader].ToString();
        if (fetchSite.Length > 0 && !fetchSite.Equals("same-origin", StringComparison.OrdinalIgnoreCase))
            return $"{FetchSiteHeader}: {fetchSite}";
        var origin = request.Headers.Origin.ToString();
        if (origin.Length > 0)
            return origin.Equals(own, StringComparison.OrdinalIgnoreCase) ? null : $"Origin: {origin}";
        var referer = request.Headers.Referer.ToString();
        if (referer.Length > 0)
        {
            return Uri.TryCreate(referer, UriKind.Absolute, out var from) && from.GetLeftPart(UriPartial.Authority).Equals(own, StringComparison.OrdinalIgnoreCase)
                ? null
                : $"Referer: {referer}";
        }

        return fetchSite.Length > 0 ? null : "no Origin, Referer or Sec-Fetch-Site";
    }

    /// <summary>scheme://host[:port] as a browser writes an origin: the default port of the scheme is left out.</summary>
    public static string OwnOrigin(HttpRequest request)
    {
        var host = request.Host;
        var defaultPort = request.IsHttps ? 443 : 80;
        var authority = host.Port == defaultPort ? host.Host : host.Value;
        return $"{request.Scheme}://{authority}";
    }
}
