using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using BenchmarkDotNet.Attributes;
using Lifeboat.Server.Contracts.Security;
using Lifeboat.Server.Data;
using Lifeboat.Server.Hosting;
using Lifeboat.Server.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Benchmarks;

/// <summary>
/// The cost of authentication per REST call: one GET over a kept-alive loopback connection to a Kestrel app without
/// the security pipeline (baseline), and to the same app with the server's own (<see cref="LifeboatAuthentication"/>:
/// scheme forwarding, the token's SHA-256 and SQLite lookup or the cookie's decryption and user check, the policy).
/// </summary>
[MemoryDiagnoser]
public partial class AuthenticationBenchmarks
{
    private const string Document = """{"version":"bench","sessions":0}""";

    private string _folder = "";
    private WebApplication? _open;
    private WebApplication? _secured;
    private ServerDatabase? _database;
    private HttpClient _openClient = null!;
    private HttpClient _tokenClient = null!;
    private HttpClient _cookieClient = null!;

    [GlobalSetup]
    public async Task SetUp()
    {
        _folder = Path.Combine(Path.GetTempPath(), "lifeboat-bench", "auth-" + Environment.ProcessId);
        Directory.CreateDirectory(_folder);
        _open = Build(secured: false);
        _secured = Build(secured: true);
        await _open.StartAsync();
        await _secured.StartAsync();

        var now = DateTimeOffset.UtcNow;
        var secret = ApiTokenSecret.Generate();
        _secured.Services.GetRequiredService<TokenStore>().Add("bench", ApiTokenSecret.Hash(secret), LifeboatRoles.Viewer, "bench", now);
        const string Password = "benchmark password 1";
        _secured.Services.GetRequiredService<UserStore>().Add(new StoredUser("bench", LifeboatRoles.Viewer, PasswordHasher.Hash(Password), now, "bench"));

        _openClient = new HttpClient { BaseAddress = new Uri(_open.Urls.First()) };
        _tokenClient = new HttpClient { BaseAddress = new Uri(_secured.Urls.First()) };
        _tokenClient.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        _cookieClient = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false })
        {
            BaseAddress = new Uri(_secured.Urls.First()),
        };
        var page = await _cookieClient.GetStringAsync("login");
        var antiforgery = WebUtility.HtmlDecode(FormToken().Match(page).Groups[1].Value);
        using var login = await _cookieClient.PostAsync("login", new FormUrlEncodedContent(
            [KeyValuePair.Create("__RequestVerificationToken", antiforgery), KeyValuePair.Create("username", "bench"), KeyValuePair.Create("password", Password)]));
        if (login.StatusCode != HttpStatusCode.Redirect)
            throw new InvalidOperationException($"The benchmark's login answered {login.StatusCode}.");
        foreach (var client in new[] { _openClient, _tokenClient, _cookieClient })
        {
            using var probe = await client.GetAsync("api/probe");
            probe.EnsureSuccessStatusCode();
        }
    }

    [Benchmark(Baseline = true, Description = "no authentication")]
    public Task<string> Open() => _openClient.GetStringAsync("api/probe");

    [Benchmark(Description = "API token")]
    public Task<string> Token() => _tokenClient.GetStringAsync("api/probe");

    [Benchmark(Description = "browser cookie")]
    public Task<string> Cookie() => _cookieClient.GetStringAsync("api/probe");

    [GlobalCleanup]
    public async Task CleanUp()
    {
        foreach (var client in new[] { _openClient, _tokenClient, _cookieClient })
            client.Dispose();
        await _open!.DisposeAsync();
        await _secured!.DisposeAsync();
        _database?.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private WebApplication Build(bool secured)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        if (secured)
        {
            var data = new DataFolder(Path.Combine(_folder, "data"));
            Directory.CreateDirectory(data.Root);
            _database = ServerDatabase.Open(data.Database);
            builder.Services.AddSingleton(_database);
            builder.Services.AddSingleton(TimeProvider.System);
            builder.Services.AddSingleton<UserStore>();
            builder.Services.AddSingleton<TokenStore>();
            builder.Services.AddSingleton<AuditStore>();
            builder.Services.AddLifeboatSecurity(data);
        }

        var app = builder.Build();
        if (secured)
        {
            app.UseLifeboatSecurity();
            LoginEndpoints.Map(app);
        }

        var probe = app.MapGet("/api/probe", () => TypedResults.Text(Document, "application/json"));
        if (secured)
            probe.RequireAuthorization(LifeboatPolicies.Viewer);
        return app;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex FormToken();
}
