using System.Collections.Concurrent;

namespace Lifeboat.Server.Security;

/// <summary>
/// Slows down password guessing, per user name and per client address: three failures are free, then each further
/// attempt must wait 1, 2, 4, 8, 16 and at most 30 seconds after the last failure. A waiting attempt is answered 429
/// at once, without checking the password (holding it open would cost the server a connection and PBKDF2 time).
/// A success clears both counts; a count nobody touches for 15 minutes is forgotten.
/// </summary>
public sealed class LoginThrottle(TimeProvider time)
{
    public const int FreeFailures = 3;
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ForgetAfter = TimeSpan.FromMinutes(15);
    private const int MaxTracked = 50_000;

    private readonly ConcurrentDictionary<string, Failures> _failures = new(StringComparer.Ordinal);

    /// <summary>How long this attempt must still wait; zero when it may go ahead.</summary>
    public TimeSpan Wait(string user, string? address)
    {
        var now = time.GetUtcNow();
        return Max(Wait(UserKey(user), now), address is null ? TimeSpan.Zero : Wait(AddressKey(address), now));
    }

    /// <returns>The failures in a row for this user name, this one included.</returns>
    public int Failed(string user, string? address)
    {
        var now = time.GetUtcNow();
        if (_failures.Count >= MaxTracked)
            Forget(now);
        if (address is not null)
            Count(AddressKey(address), now);
        return Count(UserKey(user), now);
    }

    public void Succeeded(string user, string? address)
    {
        _failures.TryRemove(UserKey(user), out _);
        if (address is not null)
            _failures.TryRemove(AddressKey(address), out _);
    }

    public static TimeSpan DelayAfter(int failures) =>
        failures < FreeFailures ? TimeSpan.Zero : TimeSpan.FromSeconds(Math.Min(MaxDelay.TotalSeconds, Math.Pow(2, Math.Min(failures - FreeFailures, 16))));

    private TimeSpan Wait(string key, DateTimeOffset now)
    {
        if (!_failures.TryGetValue(key, out var failures))
            return TimeSpan.Zero;
        var wait = failures.LastAt + DelayAfter(failures.Count) - now;
        return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
    }

    private int Count(string key, DateTimeOffset now) =>
        _failures.AddOrUpdate(key, _ => new Failures(1, now), (_, old) => new Failures(now - old.LastAt > ForgetAfter ? 1 : old.Count + 1, now)).Count;

    private void Forget(DateTimeOffset now)
    {
        foreach (var (key, failures) in _failures)
        {
            if (now - failures.LastAt > ForgetAfter)
                _failures.TryRemove(key, out _);
        }
    }

    private static string UserKey(string user) => "user:" + user.ToLowerInvariant();

    private static string AddressKey(string address) => "address:" + address;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private sealed record Failures(int Count, DateTimeOffset LastAt);
}
