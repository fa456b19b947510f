using System.Net;
using Lifeboat.Server.Contracts.Security;
using Lifeboat.Server.Security;
using Microsoft.Extensions.Time.Testing;

namespace Lifeboat.Server.Tests.Security;

/// <summary>Password guessing is slowed down per user name and per client address.</summary>
public sealed class LoginThrottleTests
{
    [Fact]
    public void Three_attempts_are_free_then_the_wait_doubles_up_to_thirty_seconds_and_a_success_clears_it()
    {
        var time = new FakeTimeProvider();
        var throttle = new LoginThrottle(time);
        for (var i = 0; i < LoginThrottle.FreeFailures - 1; i++)
        {
            Assert.True(throttle.Begin("alice", "10.0.0.1").MayGoAhead);
            Assert.Equal(TimeSpan.Zero, throttle.Wait("alice", "10.0.0.1"));
        }

        var expected = new[] { 1, 2, 4, 8, 16, 30, 30 };
        foreach (var seconds in expected)
        {
            Assert.True(throttle.Begin("alice", "10.0.0.1").MayGoAhead);
            Assert.Equal(TimeSpan.FromSeconds(seconds), throttle.Wait("alice", "10.0.0.1"));
            // A waiting attempt is not counted: the wait stays what it was.
            Assert.Equal(TimeSpan.FromSeconds(seconds), throttle.Begin("alice", "10.0.0.1").Wait);
            // Another address trying the same user waits as long; the same address trying another user too.
            Assert.Equal(TimeSpan.FromSeconds(seconds), throttle.Wait("alice", "10.0.0.2"));
            Assert.Equal(TimeSpan.FromSeconds(seconds), throttle.Wait("bob", "10.0.0.1"));
            Assert.Equal(TimeSpan.Zero, throttle.Wait("bob", "10.0.0.2"));
            time.Advance(TimeSpan.FromSeconds(seconds));
            Assert.Equal(TimeSpan.Zero, throttle.Wait("alice", "10.0.0.1"));
        }

        throttle.Succeeded("alice", "10.0.0.1");
        Assert.Equal(1, throttle.Begin("alice", "10.0.0.1").Failures);
        Assert.Equal(TimeSpan.Zero, throttle.Wait("alice", "10.0.0.1"));
    }

    [Fact]
    public void The_wait_runs_from_the_failure_not_from_the_beginning_of_a_slow_password_check()
    {
        var time = new FakeTimeProvider();
        var throttle = new LoginThrottle(time);
        for (var i = 0; i < LoginThrottle.FreeFailures; i++)
        {
            Assert.True(throttle.Begin("hugo", "10.0.0.4").MayGoAhead);
            time.Advance(TimeSpan.FromSeconds(2));
            throttle.Failed("hugo", "10.0.0.4");
        }

        Assert.Equal(TimeSpan.FromSeconds(1), throttle.Begin("hugo", "10.0.0.4").Wait);
    }

    [Fact]
    public void Attempts_begun_at_once_on_many_threads_pass_the_check_only_as_often_as_attempts_are_free()
    {
        var throttle = new LoginThrottle(new FakeTimeProvider());
        using var start = new Barrier(50);
        var passed = 0;
        var threads = Enumerable.Range(0, 50).Select(_ => new Thread(() =>
        {
            start.SignalAndWait();
            if (throttle.Begin("erin", "10.0.0.3").MayGoAhead)
                Interlocked.Increment(ref passed);
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.Equal(LoginThrottle.FreeFailures, passed);
    }

    [Fact]
    public void Failures_a_quarter_of_an_hour_old_are_forgotten()
    {
        var time = new FakeTimeProvider();
        var throttle = new LoginThrottle(time);
        for (var i = 0; i < 6; i++)
        {
            throttle.Begin("carol", null);
            time.Advance(TimeSpan.FromSeconds(31));
        }

        time.Advance(TimeSpan.FromMinutes(16));
        Assert.Equal(1, throttle.Begin("carol", null).Failures);
    }

    [Fact]
    public async Task The_fourth_wrong_password_in_a_row_is_answered_429_and_logged_without_the_password()
    {
        await using var secure = await SecureServer.StartAsync();
        const string Password = "the right password 42";
        const string Guess = "guess-number-";
        await secure.AddUserAsync("dave", LifeboatRoles.Viewer, Password);
        using var browser = secure.Browser();
        var token = await browser.OpenLoginPageAsync();
        for (var i = 0; i < LoginThrottle.FreeFailures; i++)
        {
            using var wrong = await browser.LogInAsync("dave", Guess + i, token);
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        using var throttled = await browser.LogInAsync("dave", Password, token);
        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.True(throttled.Headers.RetryAfter?.Delta > TimeSpan.Zero, "A throttled login says when to try again.");
        Assert.Contains("wait", await throttled.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        await secure.Server.WaitForLogAsync("Failed login for user 'dave' from 127.0.0.1 (3 failures in a row)", TimeSpan.FromSeconds(30));
        var log = await secure.Server.WaitForLogAsync("Login for user 'dave' from 127.0.0.1 refused for", TimeSpan.FromSeconds(30));
        Assert.DoesNotContain(Guess, log, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, log, StringComparison.Ordinal);
        var audit = await secure.Server.Http.GetStringAsync("api/audit?action=login");
        Assert.Contains("\"outcome\":\"failed\"", audit, StringComparison.Ordinal);
        Assert.Contains("\"outcome\":\"throttled: ", audit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Of_fifty_wrong_passwords_sent_at_once_only_the_free_attempts_are_checked()
    {
        await using var secure = await SecureServer.StartAsync();
        await secure.AddUserAsync("gus", LifeboatRoles.Viewer, "the right password of gus");
        using var browser = secure.Browser();
        var token = await browser.OpenLoginPageAsync();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var answers = await Task.WhenAll(Enumerable.Range(0, 50).Select(async i =>
        {
            using var answer = await browser.LogInAsync("gus", "wrong guess " + i, token);
            return answer.StatusCode;
        }));
        clock.Stop();

        // The free attempts, then one more each time a wait (1 s, then 2 s, 4 s...) has passed while the 50 were being
        // answered: on a busy machine their password checks take a while, and the first wait may end before the last begins.
        var waitsOver = (int)Math.Floor(Math.Log2(clock.Elapsed.TotalSeconds + 1));
        var checkedCount = answers.Count(s => s == HttpStatusCode.Unauthorized);
        Assert.True(checkedCount >= LoginThrottle.FreeFailures && checkedCount <= LoginThrottle.FreeFailures + waitsOver,
            $"{checkedCount} of 50 wrong passwords were checked in {clock.Elapsed.TotalSeconds:F1} s; at most {LoginThrottle.FreeFailures + waitsOver} may be.");
        Assert.Equal(50, checkedCount + answers.Count(s => s == HttpStatusCode.TooManyRequests));
        var audit = await secure.Server.Http.GetStringAsync("api/audit?action=login&limit=100");
        Assert.Equal(checkedCount, audit.Split("\"outcome\":\"failed\"").Length - 1);
    }
}
