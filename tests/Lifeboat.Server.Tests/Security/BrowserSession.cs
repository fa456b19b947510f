using System.Net;
using System.Text.RegularExpressions;

namespace Lifeboat.Server.Tests.Security;

/// <summary>What a browser does with the login page: keeps cookies, reads the form's antiforgery field, posts forms from the server's own origin.</summary>
internal sealed partial class BrowserSession : IDisposable
{
    public const string AntiforgeryField = "__RequestVerificationToken";

    private readonly HttpClientHandler _handler;

    public BrowserSession(Uri baseAddress, Func<System.Security.Cryptography.X509Certificates.X509Certificate2, bool> trustCertificate)
    {
        _handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = Cookies };
        _handler.ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate is not null && trustCertificate(certificate);
        Http = new HttpClient(_handler) { BaseAddress = baseAddress };
        Http.DefaultRequestHeaders.Accept.ParseAdd("text/html");
        // A browser names the page's origin on every POST; this one's pages are the server's own.
        Http.DefaultRequestHeaders.Add("Origin", baseAddress.GetLeftPart(UriPartial.Authority));
    }

    public CookieContainer Cookies { get; } = new();

    public HttpClient Http { get; }

    /// <summary>GET /login, as a browser opens it: the antiforgery cookie is stored, the form's token returned.</summary>
    public async Task<string> OpenLoginPageAsync()
    {
        using var page = await Http.GetAsync("login");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var match = FormToken().Match(await page.Content.ReadAsStringAsync());
        Assert.True(match.Success, "The login page has no antiforgery field.");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    public Task<HttpResponseMessage> PostFormAsync(string path, params (string Name, string Value)[] fields) =>
        Http.PostAsync(path, new FormUrlEncodedContent(fields.Select(f => KeyValuePair.Create(f.Name, f.Value))));

    public async Task<HttpResponseMessage> LogInAsync(string user, string password, string? antiforgeryToken = null)
    {
        var token = antiforgeryToken ?? await OpenLoginPageAsync();
        return await PostFormAsync("login", (AntiforgeryField, token), ("username", user), ("password", password), ("returnUrl", "/api/me"));
    }

    public void Dispose()
    {
        Http.Dispose();
        _handler.Dispose();
    }

    [GeneratedRegex("name=\"" + AntiforgeryField + "\" value=\"([^\"]+)\"")]
    private static partial Regex FormToken();
}
