using Lifeboat.Server.Security;
using Microsoft.AspNetCore.Http;

namespace Lifeboat.Server.Tests.Security;

/// <summary>What the browser says about where a request comes from, judged against the request's own scheme, host and port.</summary>
public sealed class SameOriginTests
{
    [Theory]
    [InlineData("http", "127.0.0.1:8707", "http://127.0.0.1:8707", null, null, true)]
    [InlineData("http", "127.0.0.1:8707", "HTTP://127.0.0.1:8707", "same-origin", null, true)]
    [InlineData("https", "backup.example:443", "https://backup.example", null, null, true)]
    [InlineData("https", "[::1]:9443", "https://[::1]:9443", null, null, true)]
    [InlineData("http", "127.0.0.1:8707", null, null, "http://127.0.0.1:8707/jobs/nightly", true)]
    [InlineData("http", "127.0.0.1:8707", null, "same-origin", null, true)]
    [InlineData("http", "127.0.0.1:8707", "http://127.0.0.1:9999", null, null, false)]
    [InlineData("http", "127.0.0.1:8707", "https://127.0.0.1:8707", null, null, false)]
    [InlineData("https", "127.0.0.1:8707", "http://127.0.0.1:8707", null, null, false)]
    [InlineData("http", "127.0.0.1:8707", "null", null, null, false)]
    [InlineData("http", "127.0.0.1:8707", "http://127.0.0.1:8707", "same-site", null, false)]
    [InlineData("http", "127.0.0.1:8707", null, "cross-site", "http://127.0.0.1:8707/", false)]
    [InlineData("http", "127.0.0.1:8707", null, null, "http://127.0.0.1:9999/form.html", false)]
    [InlineData("http", "127.0.0.1:8707", null, null, "http://127.0.0.1:8707.evil.example/", false)]
    [InlineData("http", "127.0.0.1:8707", null, null, "not a url", false)]
    [InlineData("http", "127.0.0.1:8707", null, null, null, false)]
    public void A_request_is_same_origin_only_when_the_browser_says_so_for_this_scheme_host_and_port(
        string scheme, string host, string? origin, string? fetchSite, string? referer, bool same)
    {
        var request = new DefaultHttpContext().Request;
        request.Scheme = scheme;
        request.Host = new HostString(host);
        if (origin is not null)
            request.Headers.Origin = origin;
        if (fetchSite is not null)
            request.Headers[SameOrigin.FetchSiteHeader] = fetchSite;
        if (referer is not null)
            request.Headers.Referer = referer;
        Assert.Equal(same, SameOrigin.ForeignSource(request) is null);
    }
}
