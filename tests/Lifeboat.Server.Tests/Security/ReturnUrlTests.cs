using Lifeboat.Server.Security;

namespace Lifeboat.Server.Tests.Security;

/// <summary>Where a browser may be sent after signing in: a path on this server, in printable ASCII, or else home.</summary>
public sealed class ReturnUrlTests
{
    [Theory]
    [InlineData("/", "/")]
    [InlineData("/sessions", "/sessions")]
    [InlineData("/jobs/nightly?tab=runs#last", "/jobs/nightly?tab=runs#last")]
    [InlineData("/sessions/a%20b", "/sessions/a%20b")]
    [InlineData("//evil.example", "/")]
    [InlineData("/\\evil.example", "/")]
    [InlineData("/\t/evil.example", "/")]
    [InlineData("/%09/evil.example", "/")]
    [InlineData("/%2F/evil.example", "/")]
    [InlineData("/%5Cevil.example", "/")]
    [InlineData("/\r\nSet-Cookie: a=b", "/")]
    [InlineData("/%0d%0aSet-Cookie: a=b", "/")]
    [InlineData("/caf\u00e9", "/")]
    [InlineData("/%", "/%")]
    [InlineData("https://evil.example/", "/")]
    [InlineData("evil.example", "/")]
    [InlineData("", "/")]
    [InlineData(null, "/")]
    public void Only_a_local_printable_path_is_kept(string? asked, string expected) => Assert.Equal(expected, ReturnUrl.LocalOrHome(asked));
}
