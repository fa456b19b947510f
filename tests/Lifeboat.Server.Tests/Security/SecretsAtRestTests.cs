using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Lifeboat.Server.Contracts.Security;
using Lifeboat.Server.Security;

namespace Lifeboat.Server.Tests.Security;

/// <summary>No password or token in clear in the server's log or database; the token file and the key folder are the owner's only.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class SecretsAtRestTests
{
    [Fact]
    public async Task After_logins_and_new_users_and_tokens_no_password_or_token_is_in_the_log_or_the_database_files()
    {
        await using var secure = await SecureServer.StartAsync();
        var server = secure.Server;
        const string Chosen = "a password chosen by hand 7";
        await secure.AddUserAsync("erin", LifeboatRoles.Operator, Chosen);
        var generated = (await secure.AddUserAsync("frank", LifeboatRoles.Viewer, null)).GeneratedPassword!;
        var token = await secure.CreateTokenAsync("nightly-script", LifeboatRoles.Operator);
        using (var client = secure.Client(token.Secret))
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("api/sessions")).StatusCode);
        await secure.RevokeTokenAsync("nightly-script");
        foreach (var (user, password) in new[] { ("erin", Chosen), ("frank", generated) })
        {
            using var browser = secure.Browser();
            using var login = await browser.LogInAsync(user, password);
            Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
            using var wrong = await secure.Browser().LogInAsync(user, password + "x");
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        // The first start wrote the admin password into a file only root reads, and printed where, not the password.
        var passwordFile = Path.Combine(server.DataDirectory, "initial-admin-password");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(passwordFile));
        var adminPassword = File.ReadAllText(passwordFile).Trim();
        Assert.Contains($"created user 'admin' (role admin) whose password is in {passwordFile}", server.ReadLog(), StringComparison.Ordinal);
        using (var admin = await secure.Browser().LogInAsync(FirstStart.AdminUser, adminPassword))
            Assert.Equal(HttpStatusCode.Redirect, admin.StatusCode);
        await server.KillAsync();
        await server.StartAgainAsync();
        await server.KillAsync();

        var secrets = new[] { Chosen, generated, token.Secret, server.Token, adminPassword };
        var log = File.ReadAllText(server.LogPath);
        var database = Directory.EnumerateFiles(server.DataDirectory, "lifeboat.db*").Select(path => (path, bytes: File.ReadAllBytes(path))).ToList();
        Assert.NotEmpty(database);
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(secret, log, StringComparison.Ordinal);
            foreach (var (path, bytes) in database)
                Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)) < 0, $"{Path.GetFileName(path)} holds a secret in clear.");
        }
    }

    [Fact]
    public async Task The_token_file_is_0600_and_the_data_and_key_folders_0700()
    {
        await using var secure = await SecureServer.StartAsync();
        var data = secure.Server.DataDirectory;
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(data, ApiTokenFile.FileName)));
        var owner = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        Assert.Equal(owner, File.GetUnixFileMode(data));
        Assert.Equal(owner, File.GetUnixFileMode(Path.Combine(data, "keys")));
        Assert.Matches("^lb_[A-Za-z0-9_-]{43}$", secure.Server.Token);
    }

    [Fact]
    public async Task A_deleted_token_file_is_replaced_by_a_new_token_and_the_old_one_is_revoked()
    {
        await using var secure = await SecureServer.StartAsync();
        var server = secure.Server;
        var old = server.Token;
        await server.KillAsync();
        File.Delete(Path.Combine(server.DataDirectory, ApiTokenFile.FileName));
        await server.StartAgainAsync();
        Assert.NotEqual(old, server.Token);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(server.DataDirectory, ApiTokenFile.FileName)));
        using var client = secure.Client(old);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("api/server")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Http.GetAsync("api/server")).StatusCode);
    }
}
