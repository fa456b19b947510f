using System.Net;
using System.Net.Http.Json;
using Lifeboat.Server.Contracts.Security;
using Lifeboat.Server.Security;

namespace Lifeboat.Server.Tests.Security;

/// <summary>
/// POST /api/users/{name}/password on a real server: your own with your current password, anyone's as an admin; the
/// user's other browser sessions end, the changing one and API tokens go on; a wrong current password is a 403 that
/// counts towards the login throttle; nothing of any password reaches the audit log.
/// </summary>
public sealed class PasswordChangeTests
{
    private const string Old = "the first password of pat";
    private const string New = "the second password of pat";

    [Fact]
    public async Task A_user_changes_their_own_password_and_only_their_other_browser_sessions_end()
    {
        await using var secure = await SecureServer.StartAsync();
        await secure.AddUserAsync("pat", LifeboatRoles.Operator, Old);
        await secure.AddUserAsync("quinn", LifeboatRoles.Viewer, "the password of quinn");
        using var changing = secure.Browser();
        using var other = secure.Browser();
        Assert.Equal(HttpStatusCode.Redirect, (await changing.LogInAsync("pat", Old)).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await other.LogInAsync("pat", Old)).StatusCode);

        using (var tooShort = await ChangeAsync(changing.Http, "pat", "short", Old))
            Assert.Equal((HttpStatusCode.BadRequest, $"The password is too short; use at least {AccountName.MinPasswordLength} characters."), await AnswerAsync(tooShort));
        using (var someoneElse = await ChangeAsync(changing.Http, "quinn", New, Old))
        {
            Assert.Equal((HttpStatusCode.Forbidden, "pat may change only their own password, signed in to the console; an admin sets other users'."),
                await AnswerAsync(someoneElse));
        }

        using (var changed = await ChangeAsync(changing.Http, "pat", New, Old))
            Assert.Equal(HttpStatusCode.NoContent, changed.StatusCode);
        Assert.Contains("\"name\":\"pat\"", await changing.Http.GetStringAsync("api/me"), StringComparison.Ordinal);
        using (var ended = await other.Http.GetAsync("api/me"))
            Assert.Equal(HttpStatusCode.Redirect, ended.StatusCode);
        using (var tokenStill = await secure.Server.Http.GetAsync("api/sessions"))
            Assert.Equal(HttpStatusCode.OK, tokenStill.StatusCode);

        using var later = secure.Browser();
        Assert.Equal(HttpStatusCode.Unauthorized, (await later.LogInAsync("pat", Old)).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await later.LogInAsync("pat", New)).StatusCode);

        // An admin (the server's token) sets it without the current one: every browser session of pat ends, the changing one too.
        using (var reset = await ChangeAsync(secure.Server.Http, "pat", Old, null))
            Assert.Equal(HttpStatusCode.NoContent, reset.StatusCode);
        using (var endedToo = await changing.Http.GetAsync("api/me"))
            Assert.Equal(HttpStatusCode.Redirect, endedToo.StatusCode);
        using (var missing = await ChangeAsync(secure.Server.Http, "nobody", New, null))
            Assert.Equal((HttpStatusCode.NotFound, "There is no user nobody."), await AnswerAsync(missing));
        var viewer = await secure.CreateTokenAsync("reader", LifeboatRoles.Viewer);
        using (var byViewerToken = await ChangeAsync(secure.Client(viewer.Secret), "pat", New, null))
            Assert.Equal(HttpStatusCode.Forbidden, byViewerToken.StatusCode);

        var audit = await secure.Server.Http.GetStringAsync("api/audit?action=user.password");
        Assert.Contains("\"who\":\"pat\"", audit, StringComparison.Ordinal);
        Assert.Contains("\"who\":\"token:local-admin\"", audit, StringComparison.Ordinal);
        Assert.Contains("\"outcome\":\"refused 403: pat may change only their own password", audit, StringComparison.Ordinal);
        foreach (var password in new[] { Old, New })
            Assert.DoesNotContain(password, await secure.Server.Http.GetStringAsync("api/audit?limit=10000"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_current_password_is_refused_with_one_sentence_and_counts_towards_the_login_throttle()
    {
        await using var secure = await SecureServer.StartAsync();
        await secure.AddUserAsync("rita", LifeboatRoles.Viewer, Old);
        using var browser = secure.Browser();
        Assert.Equal(HttpStatusCode.Redirect, (await browser.LogInAsync("rita", Old)).StatusCode);
        for (var i = 0; i < LoginThrottle.FreeFailures; i++)
        {
            using var wrong = await ChangeAsync(browser.Http, "rita", New, "not the password " + i);
            Assert.Equal((HttpStatusCode.Forbidden, "The current password is wrong; give the password you signed in with, or ask an admin to set a new one."),
                await AnswerAsync(wrong));
        }

        // The throttle now holds rita back, at sign-in and here alike, even with the right password.
        using var throttled = await ChangeAsync(browser.Http, "rita", New, Old);
        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.True(throttled.Headers.RetryAfter?.Delta > TimeSpan.Zero, "A throttled change says when to try again.");
        using var login = secure.Browser();
        Assert.Equal(HttpStatusCode.TooManyRequests, (await login.LogInAsync("rita", Old)).StatusCode);
        await secure.Server.WaitForLogAsync("Wrong current password for user 'rita' from 127.0.0.1 when changing it (3 failures in a row)", TimeSpan.FromSeconds(30));
        Assert.DoesNotContain("not the password", secure.Server.ReadLog(), StringComparison.Ordinal);
    }

    private static Task<HttpResponseMessage> ChangeAsync(HttpClient client, string user, string password, string? current) =>
        client.PostAsJsonAsync($"api/users/{user}/password", new ChangePasswordRequest(password, current), ContractsJsonContext.Default.ChangePasswordRequest);

    private static async Task<(HttpStatusCode, string)> AnswerAsync(HttpResponseMessage answer) =>
        (answer.StatusCode, (await answer.Content.ReadFromJsonAsync(ContractsJsonContext.Default.ApiError))!.Message);
}
