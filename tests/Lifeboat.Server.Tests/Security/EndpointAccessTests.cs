using System.Net;
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
