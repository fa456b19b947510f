using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Lifeboat.Server.Contracts.Security;

namespace Lifeboat.Server.Tests.Security;

/// <summary>The real `lifeboat` CLI: where it finds its token, what it says on 401 and 403, and the user, token and audit verbs.</summary>
public sealed class CliAccountTests
{
    [Fact]
    public async Task The_CLI_manages_users_and_tokens_and_says_where_it_looked_on_401_and_which_role_is_needed_on_403()
    {
        await using var secure = await SecureServer.StartAsync();
        var server = secure.Server;
        var address = server.Http.BaseAddress!.ToString();
        Dictionary<string, string> With(string token, string? data = null) => new()
        {
            ["LIFEBOAT_SERVER"] = address,
            [ApiTokenFile.TokenVariable] = token,
            [ApiTokenFile.DataVariable] = data ?? "/nonexistent-lifeboat-data",
        };

        // No LIFEBOAT_TOKEN: the token file of LIFEBOAT_DATA, or a sentence that names the file it did not find.
        LifeboatProcess.Run(With("", server.DataDirectory), "sessions").ShouldSucceed();
        var none = LifeboatProcess.Run(With(""), "sessions");
        Assert.NotEqual(0, none.ExitCode);
        Assert.Contains("/nonexistent-lifeboat-data/api-token does not exist", none.Stderr, StringComparison.Ordinal);
        Assert.Contains(ApiTokenFile.TokenVariable, none.Stderr, StringComparison.Ordinal);

        var admin = With(server.Token);
        // https:// against this plain-HTTP server: one sentence that says which address to use, not a stack trace.
        var tls = LifeboatProcess.Run(new Dictionary<string, string>(admin) { ["LIFEBOAT_SERVER"] = address.Replace("http://", "https://", StringComparison.Ordinal) }, "sessions");
        Assert.NotEqual(0, tls.ExitCode);
        Assert.Contains($"does not answer HTTPS", tls.Stderr, StringComparison.Ordinal);
        Assert.Contains($"LIFEBOAT_SERVER={address}", tls.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", tls.Stderr + tls.Stdout, StringComparison.Ordinal);
        var added = LifeboatProcess.Run(admin, "user", "add", "gina", "--role", "operator").ShouldSucceed();
        Assert.Matches("Password \\(shown only now\\): [A-Za-z0-9_-]{24}", added.Stdout);
        var typed = await RunWithInputAsync(admin, "a password typed on stdin\n", "user", "add", "hank", "--role", "viewer", "--password-stdin", "--json");
        Assert.Contains("\"generatedPassword\": null", typed, StringComparison.Ordinal);
        var users = LifeboatProcess.Run(admin, "user", "list", "--json").ShouldSucceed().Stdout;
        Assert.Contains("\"name\": \"gina\"", users, StringComparison.Ordinal);
        Assert.Contains("\"role\": \"viewer\"", users, StringComparison.Ordinal);

        var created = JsonDocument.Parse(LifeboatProcess.Run(admin, "token", "create", "ci", "--role", "viewer", "--json").ShouldSucceed().Stdout);
        var secret = created.RootElement.GetProperty("secret").GetString()!;
        Assert.StartsWith(ApiTokenFile.TokenPrefix, secret, StringComparison.Ordinal);
        var viewer = With(secret);
        LifeboatProcess.Run(viewer, "sessions").ShouldSucceed();
        var forbidden = LifeboatProcess.Run(viewer, "job", "run", "no-such-job");
        Assert.NotEqual(0, forbidden.ExitCode);
        Assert.Contains("needs the operator role", forbidden.Stderr, StringComparison.Ordinal);
        var notAdmin = LifeboatProcess.Run(viewer, "user", "list");
        Assert.Contains("needs the admin role", notAdmin.Stderr, StringComparison.Ordinal);

        LifeboatProcess.Run(admin, "token", "revoke", "ci").ShouldSucceed();
        Assert.Contains("\"revokedAt\": \"", LifeboatProcess.Run(admin, "token", "list", "--json").ShouldSucceed().Stdout, StringComparison.Ordinal);
        var revoked = LifeboatProcess.Run(viewer, "sessions");
        Assert.NotEqual(0, revoked.ExitCode);
        Assert.Contains($"refused the API token from {ApiTokenFile.TokenVariable} from the environment", revoked.Stderr, StringComparison.Ordinal);

        LifeboatProcess.Run(admin, "user", "remove", "gina").ShouldSucceed();
        var audit = LifeboatProcess.Run(admin, "audit", "--json").ShouldSucceed().Stdout;
        foreach (var action in new[] { "user.add", "user.remove", "token.create", "token.revoke", "job.run" })
            Assert.Contains($"\"action\": \"{action}\"", audit, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, audit, StringComparison.Ordinal);
        Assert.DoesNotContain("a password typed on stdin", audit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_CLI_sets_a_password_read_from_stdin_never_from_the_command_line()
    {
        await using var secure = await SecureServer.StartAsync();
        await secure.AddUserAsync("ivy", LifeboatRoles.Viewer, "the password ivy had first");
        var admin = new Dictionary<string, string> { ["LIFEBOAT_SERVER"] = secure.BaseAddress.ToString(), [ApiTokenFile.TokenVariable] = secure.Server.Token };

        var set = await RunWithInputAsync(admin, "the password ivy has now\n", "user", "password", "ivy");
        Assert.Contains("Set a new password for ivy; their browser sessions have ended.", set, StringComparison.Ordinal);
        using (var browser = secure.Browser())
        {
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await browser.LogInAsync("ivy", "the password ivy had first")).StatusCode);
            Assert.Equal(System.Net.HttpStatusCode.Redirect, (await browser.LogInAsync("ivy", "the password ivy has now")).StatusCode);
        }

        // The first start's admin, signed in with the generated password, is refused by the API with one sentence
        // until a password is set, here by the CLI: the file goes, and the API answers the new password's session.
        var initialFile = Path.Combine(secure.Server.DataDirectory, "initial-admin-password");
        using (var first = secure.Browser())
        {
            Assert.Equal(System.Net.HttpStatusCode.Redirect, (await first.LogInAsync("admin", File.ReadAllText(initialFile).Trim())).StatusCode);
            using var refused = await first.Http.GetAsync("api/jobs");
            Assert.Equal(System.Net.HttpStatusCode.Forbidden, refused.StatusCode);
            var sentence = await refused.Content.ReadFromJsonAsync(ContractsJsonContext.Default.ApiError);
            Assert.Contains("Change password page (or POST /api/users/admin/password)", sentence!.Message, StringComparison.Ordinal);
        }

        Assert.Contains("Set a new password for admin", await RunWithInputAsync(admin, "the admin's own password\n", "user", "password", "admin"), StringComparison.Ordinal);
        Assert.False(File.Exists(initialFile));
        using (var again = secure.Browser())
        {
            Assert.Equal(System.Net.HttpStatusCode.Redirect, (await again.LogInAsync("admin", "the admin's own password")).StatusCode);
            Assert.Equal(System.Net.HttpStatusCode.OK, (await again.Http.GetAsync("api/jobs")).StatusCode);
        }

        var empty = LifeboatProcess.Run(admin, "user", "password", "ivy");
        Assert.NotEqual(0, empty.ExitCode);
        Assert.Contains("Read no password from stdin; pipe one in", empty.Stderr, StringComparison.Ordinal);
        var extra = LifeboatProcess.Run(admin, "user", "password", "ivy", "a-password-on-the-command-line");
        Assert.NotEqual(0, extra.ExitCode);
        var missing = await RunWithInputAsync(admin, "a long enough password\n", expectedExit: 1, "user", "password", "nobody");
        Assert.Contains("There is no user nobody; list them with `lifeboat user list`.", missing, StringComparison.Ordinal);
        var weak = await RunWithInputAsync(admin, "short\n", expectedExit: 1, "user", "password", "ivy");
        Assert.Contains("The password is too short", weak, StringComparison.Ordinal);
    }

    private static async Task<string> RunWithInputAsync(Dictionary<string, string> environment, string input, params string[] arguments) =>
        await RunWithInputAsync(environment, input, 0, arguments);

    /// <returns>stdout when the command exits 0 as expected, else stderr.</returns>
    private static async Task<string> RunWithInputAsync(Dictionary<string, string> environment, string input, int expectedExit, params string[] arguments)
    {
        using var process = Process.Start(LifeboatProcess.StartInfo(environment, arguments))!;
        await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        Assert.True(process.ExitCode == expectedExit, $"exit {process.ExitCode}, expected {expectedExit}: {await stderr}");
        return expectedExit == 0 ? await stdout : await stderr;
    }
}
