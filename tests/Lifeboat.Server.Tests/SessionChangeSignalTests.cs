using Lifeboat.Server.Api;
using Lifeboat.Server.Sessions;
using Microsoft.Extensions.Primitives;
using Microsoft.Extensions.Time.Testing;

namespace Lifeboat.Server.Tests;

public sealed class SessionChangeSignalTests
{
    [Fact]
    public async Task A_waiter_wakes_at_the_next_change_and_one_that_missed_it_returns_at_once()
    {
        var signal = new SessionChangeSignal();
        var seen = signal.Version;
        var waiting = signal.WaitAsync(seen, TimeSpan.FromMinutes(5), TimeProvider.System, CancellationToken.None);
        Assert.False(waiting.IsCompleted);

        signal.Raise();
        await waiting.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(seen + 1, signal.Version);

        // A change between the read and the wait: the waiter does not sleep through it.
        Assert.True(signal.WaitAsync(seen, TimeSpan.FromMinutes(5), TimeProvider.System, CancellationToken.None).IsCompleted);
    }

    [Fact]
    public async Task A_wait_without_a_change_ends_when_its_time_is_up()
    {
        var time = new FakeTimeProvider();
        var signal = new SessionChangeSignal();
        var waiting = signal.WaitAsync(signal.Version, TimeSpan.FromSeconds(25), time, CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(24));
        Assert.False(waiting.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        await waiting.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, signal.Version);
    }

    [Fact]
    public async Task Changes_raised_from_many_threads_wake_every_waiter_and_each_counts()
    {
        var signal = new SessionChangeSignal();
        var waiters = Enumerable.Range(0, 32).Select(_ => signal.WaitAsync(0, TimeSpan.FromMinutes(5), TimeProvider.System, CancellationToken.None)).ToArray();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < 1000; i++)
                signal.Raise();
        })));
        await Task.WhenAll(waiters).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(8000, signal.Version);
    }

    [Fact]
    public async Task A_change_of_one_session_wakes_whoever_watches_them_all()
    {
        var all = new SessionChangeSignal();
        var first = new SessionChangeSignal(all);
        var second = new SessionChangeSignal(all);
        var watching = all.WaitAsync(all.Version, TimeSpan.FromMinutes(5), TimeProvider.System, CancellationToken.None);
        var other = second.WaitAsync(second.Version, TimeSpan.FromMinutes(5), TimeProvider.System, CancellationToken.None);

        first.Raise();
        await watching.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, all.Version);
        Assert.False(other.IsCompleted);
        second.Raise();
        await other.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(2, all.Version);
    }

    [Theory]
    [InlineData("wait=25", 25)]
    [InlineData("respond-async, wait=10", 10)]
    [InlineData("WAIT = 7", 7)]
    [InlineData("wait=3600", SessionChangeWait.MaxWaitSeconds)]
    [InlineData("wait=-1", 0)]
    [InlineData("wait=soon", 0)]
    [InlineData("return=minimal", 0)]
    [InlineData("", 0)]
    public void Prefer_wait_is_read_as_RFC_7240_says_and_capped(string prefer, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), SessionChangeWait.RequestedWait(new StringValues(prefer)));
}
