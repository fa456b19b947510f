using System.Net;
using System.Net.Http.Json;
using Lifeboat.Server.Contracts.Security;
using Lifeboat.Server.Security;

namespace Lifeboat.Server.Tests.Security;

/// <summary>
/// Every endpoint in the app's route table, called for real: 401 without credentials and with a wrong or a revoked
/// token, 403 for a role below its policy, neither for a role that has it; only /health and the login page are open.
/// </summary>
public sealed class EndpointAccessTests
{
    private static readonly string[] OpenEndpoints = ["GET /health", "GET /login", "GET /login.css", "POST /login"];

    [Fact]
    public async Task Only_health_and_the_login_page_are_open_and_every_other_endpoint_needs_a_valid_token_of_its_role()
    {
        var endpoints = await RouteTable.ReadAsync();
        Assert.Equal(OpenEndpoints, endpoints.Where(e => e.Policy is null).Select(e => e.ToString()).Order(StringComparer.Ordinal));
        Assert.Contains(endpoints, e => e.Policy == LifeboatPolicies.Admin);
        Assert.Contains(endpoints, e => e.Policy == LifeboatPolicies.Operator);

        await using var secure = await SecureServer.StartAsync();
        var viewer = await secure.CreateTokenAsync("viewer-token", LifeboatRoles.Viewer);
        var @operator = await secure.CreateTokenAsync("operator-token", LifeboatRoles.Operator);
        var revoked = await secure.CreateTokenAsync("revoked-token", LifeboatRoles.Admin);
        await secure.RevokeTokenAsync("revoked-token");
        var wrong = ApiTokenSecret.Generate();
        var tokens = new Dictionary<string, string>
        {
            [LifeboatRoles.Viewer] = viewer.Secret,
            [LifeboatRoles.Operator] = @operator.Secret,
            [LifeboatRoles.Admin] = secure.Server.Token,
        };

        var failures = new List<string>();
        async Task Expect(MappedEndpoint endpoint, string? token, string who, Func<HttpStatusCode, bool> expected, string what)
        {
            using var client = secure.Client(token);
            using var request = new HttpRequestMessage(new HttpMethod(endpoint.Method), endpoint.Path);
            using var answer = await client.SendAsync(request);
            if (!expected(answer.StatusCode))
                failures.Add($"{endpoint} ({endpoint.Path}) with {who}: {(int)answer.StatusCode} {answer.StatusCode}, expected {what}");
        }

        foreach (var endpoint in endpoints)
        {
            if (endpoint.Policy is null)
            {
                await Expect(endpoint, null, "no credentials", s => s is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden), "an open endpoint");
                continue;
            }

            await Expect(endpoint, null, "no credentials", s => s == HttpStatusCode.Unauthorized, "401");
            await Expect(endpoint, wrong, "a wrong token", s => s == HttpStatusCode.Unauthorized, "401");
            await Expect(endpoint, "not-even-a-lifeboat-token", "a malformed token", s => s == HttpStatusCode.Unauthorized, "401");
            await Expect(endpoint, revoked.Secret, "a revoked admin token", s => s == HttpStatusCode.Unauthorized, "401");
            foreach (var role in LifeboatRoles.All)
            {
                var allowed = LifeboatRoles.AtLeast(endpoint.Policy).Contains(role);
                await Expect(endpoint, tokens[role], $"the {role} token",
                    allowed ? s => s is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden) : s => s == HttpStatusCode.Forbidden,
                    allowed ? "an answer past authorization" : "403");
            }
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    /// <summary>Endpoints whose policy is not their group's: pages for admins only, a user's own password, the 404 page.</summary>
    private static readonly (string Endpoint, string Policy)[] ExpectedPolicies =
    [
        ("GET /", LifeboatPolicies.Viewer),
        ("GET /api/dashboard", LifeboatPolicies.Viewer),
        ("POST /api/users/{name}/password", LifeboatPolicies.Viewer),
        ("GET /api/users/", LifeboatPolicies.Admin),
        ("GET /users", LifeboatPolicies.Admin),
        ("GET /tokens", LifeboatPolicies.Admin),
        ("GET /notifications", LifeboatPolicies.Admin),
        ("GET /api/notifications/channels", LifeboatPolicies.Admin),
        ("POST /api/notifications/channels/{name}/test", LifeboatPolicies.Admin),
        ("GET /account/password", LifeboatPolicies.Viewer),
        ("GET /jobs", LifeboatPolicies.Viewer),
        ("GET /datastores", LifeboatPolicies.Viewer),
        ("GET /not-found", LifeboatPolicies.Viewer),
        ("PUT /api/jobs/{name}", LifeboatPolicies.Admin),
        ("POST /api/jobs/{name}/enable", LifeboatPolicies.Admin),
        ("POST /api/jobs/{name}/disable", LifeboatPolicies.Admin),
        ("DELETE /api/restore-points/{id}", LifeboatPolicies.Admin),
        ("POST /api/restore-points/{id}/protect", LifeboatPolicies.Operator),
        ("POST /api/restore-points/{id}/unprotect", LifeboatPolicies.Admin),
        ("POST /api/sessions/{id}/recover-again", LifeboatPolicies.Operator),
        ("GET /api/repositories/", LifeboatPolicies.Viewer),
        ("POST /api/repositories/", LifeboatPolicies.Admin),
        ("POST /api/repositories/check", LifeboatPolicies.Operator),
        ("DELETE /api/repositories/", LifeboatPolicies.Admin),
        ("GET /api/repositories/history", LifeboatPolicies.Viewer),
    ];

    [Fact]
    public async Task The_admin_pages_a_users_own_password_and_the_404_page_carry_their_policies()
    {
        var endpoints = await RouteTable.ReadAsync();
        foreach (var (endpoint, policy) in ExpectedPolicies)
        {
            var mapped = endpoints.Where(e => e.ToString() == endpoint).ToList();
            Assert.True(mapped.Count == 1, $"{endpoint} is mapped {mapped.Count} times; the route table has:{Environment.NewLine}{string.Join(Environment.NewLine, endpoints)}");
            Assert.Equal((endpoint, policy), (endpoint, mapped[0].Policy));
        }
    }

    [Fact]
    public async Task An_unknown_path_is_a_json_404_under_api_and_the_consoles_404_page_elsewhere_after_sign_in()
    {
        await using var secure = await SecureServer.StartAsync();
        using var anonymous = secure.Browser();
        using (var page = await anonymous.Http.GetAsync("no/such/page"))
        {
            Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
            Assert.StartsWith("/login", page.Headers.Location?.AbsolutePath, StringComparison.Ordinal);
        }

        using (var api = await secure.Client(null).GetAsync("api/no/such/thing"))
            Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);

        using var admin = secure.Client(secure.Server.Token);
        using (var api = await admin.GetAsync("api/no/such/thing"))
        {
            Assert.Equal(HttpStatusCode.NotFound, api.StatusCode);
            var error = await api.Content.ReadFromJsonAsync(ContractsJsonContext.Default.ApiError);
            Assert.Equal("There is no API endpoint GET /api/no/such/thing; the server lists its endpoints at /openapi/v1.json.", error!.Message);
        }

        using (var delete = await admin.DeleteAsync("api/sessions"))
            Assert.Equal(HttpStatusCode.MethodNotAllowed, delete.StatusCode);
        using (var noBody = await admin.PostAsync("api/jobs", null))
            Assert.Equal(HttpStatusCode.BadRequest, noBody.StatusCode);

        using var request = new HttpRequestMessage(HttpMethod.Get, "no/such/page");
        request.Headers.Accept.ParseAdd("text/html");
        using var answer = await admin.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, answer.StatusCode);
        Assert.Contains("No page at /no/such/page. Go to <a href=\"sessions\">Sessions</a>.", await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refusal_says_why_and_a_refused_change_is_in_the_audit_log()
    {
        await using var secure = await SecureServer.StartAsync();
        var viewer = await secure.CreateTokenAsync("reader", LifeboatRoles.Viewer);
        using var client = secure.Client(viewer.Secret);
        using var stop = await client.PostAsync("api/sessions/some-session/stop", null);
        Assert.Equal(HttpStatusCode.Forbidden, stop.StatusCode);
        Assert.Contains("needs the operator role", await stop.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var anonymous = secure.Client(null);
        using var list = await anonymous.GetAsync("api/sessions");
        Assert.Equal(HttpStatusCode.Unauthorized, list.StatusCode);
        Assert.Contains("Bearer", await list.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var audit = await secure.Server.Http.GetStringAsync("api/audit?action=session.stop");
        Assert.Contains("\"who\":\"token:reader\"", audit, StringComparison.Ordinal);
        Assert.Contains("denied: needs operator", audit, StringComparison.Ordinal);
        Assert.Contains("some-session", audit, StringComparison.Ordinal);
    }
}
