using System.Diagnostics;

namespace Lifeboat.Testing.Waiting;

/// <summary>Waits for a condition to hold, checking it often, instead of sleeping and hoping it holds by then.</summary>
public static class Wait
{
    /// <summary>Generous: the machine that runs the suite is loaded to the brim at times.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(10);

    /// <exception cref="TimeoutException">The condition did not hold in time; the message says what was awaited.</exception>
    public static Task UntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        UntilAsync(condition, () => what, timeout);

    /// <summary>As <see cref="UntilAsync(Func{bool}, string, TimeSpan?)"/>, with <paramref name="describe"/> saying what was seen.</summary>
    public static async Task UntilAsync(Func<bool> condition, Func<string> describe, TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > limit)
                throw new TimeoutException($"Waited {limit.TotalSeconds:0} s in vain for {describe()}.");
            await Task.Delay(Interval);
        }
    }
}
