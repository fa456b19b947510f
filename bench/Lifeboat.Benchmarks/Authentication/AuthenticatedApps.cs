using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Lifeboat.Server.Contracts.Security;
using Lifeboat.Server.Data;
using Lifeboat.Server.Hosting;
using Lifeboat.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Benchmarks.Authentication;

/// <summary>
/// Two Kestrel apps on loopback serving the same small JSON document: one without any security, one with the server's
/// own pipeline (<see cref="LifeboatAuthentication"/>: scheme forwarding, the token's SHA-256 and SQLite lookup or
/// the cookie's decryption and user check, the viewer policy), and a kept-alive client for each way in.
/// </summary>
internal sealed partial class AuthenticatedApps : IAsyncDisposable
{
    public const string ProbePath = "api/probe";
    private const string Document = """{"version":"bench","sessions":0}""";
    private const string Password = "benchmark password 1";

    private readonly string _folder;
    private readonly WebApplication _open;
    private readonly WebApplication _secured;
    private readonly ServerDatabase _database;

    private AuthenticatedApps(string folder, WebApplication open, WebApplication secured, ServerDatabase database)
    {
        _folder = folder;
        _open = open;
        _secured = secured;
        _database = database;
    }

    public HttpClient Open { get; private set; } = null!;

    public HttpClient Token { get; private set; } = null!;

    public HttpClient Cookie { get; private set; } = null!;

    public static async Task<AuthenticatedApps> StartAsync()
    {
        var folder = Path.Combine(Path.GetTempPath(), "lifeboat-bench", "auth-" + Environment.ProcessId);
        var data = new DataFolder(Path.Combine(folder, "data"));
        Directory.CreateDirectory(data.Root);
        var database = ServerDatabase.Open(data.Database);
        var apps = new AuthenticatedApps(folder, Build(null, null), Build(data, database), database);
        await apps._open.StartAsync();
        await apps._secured.StartAsync();
        await apps.SignInAsync();
        return apps;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in new[] { Open, Token, Cookie })
            client?.Dispose();
        await _open.DisposeAsync();
        await _secured.DisposeAsync();
        _database.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private async Task SignInAsync()
    {
        var now = DateTimeOffset.UtcNow;
        var secret = ApiTokenSecret.Generate();
        _secured.Services.GetRequiredService<TokenStore>().Add("bench", ApiTokenSecret.Hash(secret), LifeboatRoles.Viewer, "bench", now);
        _secured.Services.GetRequiredService<UserStore>().Add(new StoredUser("bench", LifeboatRoles.Viewer, PasswordHasher.Hash(Password), now, "bench"));

        var secured = new Uri(_secured.Urls.First());
        Open = new HttpClient { BaseAddress = new Uri(_open.Urls.First()) };
        Token = new HttpClient { BaseAddress = secured };
        Token.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        Cookie = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = secured };
        var page = await Cookie.GetStringAsync("login");
        var antiforgery = WebUtility.HtmlDecode(FormToken().Match(page).Groups[1].Value);
        using var login = await Cookie.PostAsync("login", new FormUrlEncodedContent(
            [KeyValuePair.Create("__RequestVerificationToken", antiforgery), KeyValuePair.Create("username", "bench"), KeyValuePair.Create("password", Password)]));
        if (login.StatusCode != HttpStatusCode.Redirect)
            throw new InvalidOperationException($"The benchmark's login answered {login.StatusCode}.");
        foreach (var client in new[] { Open, Token, Cookie })
        {
            using var probe = await client.GetAsync(ProbePath);
            probe.EnsureSuccessStatusCode();
        }
    }

    private static WebApplication Build(DataFolder? data, ServerDatabase? database)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        if (data is not null)
        {
            builder.Services.AddSingleton(database!);
            builder.Services.AddSingleton(TimeProvider.System);
            builder.Services.AddSingleton<UserStore>();
            builder.Services.AddSingleton<TokenStore>();
            builder.Services.AddSingleton<AuditStore>();
            builder.Services.AddLifeboatSecurity(data);
        }

        var app = builder.Build();
        if (data is not null)
        {
            app.UseLifeboatSecurity();
            LoginEndpoints.Map(app);
        }

        var probe = app.MapGet("/" + ProbePath, () => TypedResults.Text(Document, "application/json"));
        if (data is not null)
            probe.RequireAuthorization(LifeboatPolicies.Viewer);
        return app;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex FormToken();
}
