using System.Net;
using Lifeboat.Server.Contracts.Security;

namespace Lifeboat.Server.Tests.Security;

/// <summary>The browser's way in: the login form, its antiforgery check, the session cookie, and logging out.</summary>
public sealed class LoginTests
{
    private const string Password = "correct horse battery staple";

    [Fact]
    public async Task A_login_form_posted_without_or_with_a_foreign_antiforgery_token_is_refused_and_the_real_one_signs_in()
    {
        await using var secure = await SecureServer.StartAsync();
        await secure.AddUserAsync("olga", LifeboatRoles.Operator, Password);

        // A page on another site can post the form, but it has no token of this browser's: none, or one it fetched for itself.
        using var attacker = secure.Browser();
        var foreignToken = await attacker.OpenLoginPageAsync();
        using var browser = secure.Browser();
        await browser.OpenLoginPageAsync();
        using (var without = await browser.PostFormAsync("login", ("username", "olga"), ("password", Password)))
            Assert.Equal(HttpStatusCode.BadRequest, without.StatusCode);
        using (var foreign = await browser.LogInAsync("olga", Password, foreignToken))
            Assert.Equal(HttpStatusCode.BadRequest, foreign.StatusCode);
        using (var me = await browser.Http.GetAsync("api/me"))
            Assert.Equal(HttpStatusCode.Redirect, me.StatusCode);

        using var login = await browser.LogInAsync("olga", Password);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Equal("/api/me", login.Headers.Location?.OriginalString);
        var cookie = Assert.Single(login.Headers.GetValues("Set-Cookie"), c => c.StartsWith("lifeboat.session=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("{\"name\":\"olga\",\"role\":\"operator\",\"via\":\"password\"}", await browser.Http.GetStringAsync("api/me"), StringComparison.Ordinal);

        // A cross-site logout post (no token) leaves the session; the page's own form ends it.
        using (var crossSite = await browser.PostFormAsync("logout"))
            Assert.Equal(HttpStatusCode.BadRequest, crossSite.StatusCode);
        Assert.Contains("olga", await browser.Http.GetStringAsync("api/me"), StringComparison.Ordinal);
        var token = await browser.OpenLoginPageAsync();
        using (var logout = await browser.PostFormAsync("logout", (BrowserSession.AntiforgeryField, token)))
        {
            Assert.Equal(HttpStatusCode.Redirect, logout.StatusCode);
            Assert.Equal("/login", logout.Headers.Location?.OriginalString);
        }

        using (var after = await browser.Http.GetAsync("api/me"))
            Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
        var audit = await secure.Server.Http.GetStringAsync("api/audit?who=olga");
        Assert.Contains("\"action\":\"login\"", audit, StringComparison.Ordinal);
        Assert.Contains("\"action\":\"logout\"", audit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_removed_user_loses_the_session_at_once_and_a_redirect_never_leaves_the_server()
    {
        await using var secure = await SecureServer.StartAsync();
        await secure.AddUserAsync("temp", LifeboatRoles.Viewer, Password);
        using var browser = secure.Browser();
        var token = await browser.OpenLoginPageAsync();
        using (var login = await browser.PostFormAsync("login", (BrowserSession.AntiforgeryField, token), ("username", "temp"), ("password", Password),
            ("returnUrl", "//evil.example/")))
            Assert.Equal("/", login.Headers.Location?.OriginalString);
        Assert.Contains("temp", await browser.Http.GetStringAsync("api/me"), StringComparison.Ordinal);
        foreach (var payload in new[] { "/\t/evil.example", "/%09/evil.example", "/\r\nSet-Cookie: a=b", "/\\evil.example" })
        {
            using var again = secure.Browser();
            var formToken = await again.OpenLoginPageAsync();
            using var login = await again.PostFormAsync("login", (BrowserSession.AntiforgeryField, formToken), ("username", "temp"), ("password", Password), ("returnUrl", payload));
            Assert.Equal((HttpStatusCode.Redirect, "/"), (login.StatusCode, login.Headers.Location?.OriginalString));
        }

        // The cookie signs in a change only from this server's own pages: not from another origin, nor from nowhere said.
        foreach (var (header, value) in new[] { ("Origin", "http://127.0.0.1:9"), ("Sec-Fetch-Site", "same-site"), ("Origin", "null") })
        {
            using var forged = new HttpRequestMessage(HttpMethod.Post, "api/sessions/some-session/stop");
            forged.Headers.Remove("Origin");
            forged.Headers.TryAddWithoutValidation(header, value);
            using var refused = await browser.Http.SendAsync(forged);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Contains("came from another site", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var removed = await secure.Server.Http.DeleteAsync("api/users/temp"))
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        using var after = await browser.Http.GetAsync("api/me");
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
        Assert.StartsWith("/login", after.Headers.Location?.PathAndQuery ?? after.Headers.Location?.OriginalString, StringComparison.Ordinal);
    }
}
