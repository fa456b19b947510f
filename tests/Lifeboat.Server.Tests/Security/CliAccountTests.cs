using System.Diagnostics;
using System.Text.Json;
using Lifeboat.Cli.Tests;
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

    private static async Task<string> RunWithInputAsync(Dictionary<string, string> environment, string input, params string[] arguments)
    {
        using var process = Process.Start(LifeboatProcess.StartInfo(environment, arguments))!;
        await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {await stderr}");
        return await stdout;
    }
}
