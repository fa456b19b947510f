namespace Lifeboat.Server.Security;

/// <summary>
/// Slows down password guessing, per user name and per client address: three attempts in a row are free, then each
/// further one must wait 1, 2, 4, 8, 16 and at most 30 seconds after the last failure. An attempt is counted when it
/// begins, under one lock with the check that it may go ahead, so attempts sent at once cannot all pass the check
/// before any of them is counted: of 50 concurrent guesses, only the free ones reach the password check. A waiting
/// attempt is answered 429 at once, without checking the password (holding it open would cost a connection and PBKDF2 time).
/// A success clears both counts; a count nobody touches for 15 minutes is forgotten.
/// </summary>
public sealed class LoginThrottle(TimeProvider time)
{
    public const int FreeFailures = 3;
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ForgetAfter = TimeSpan.FromMinutes(15);
    private const int MaxTracked = 50_000;

    private readonly Dictionary<string, Failures> _failures = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>
    /// Begins an attempt: when it may go ahead it counts as a failure until <see cref="Succeeded"/> clears it (call
    /// <see cref="Failed"/> when it fails), and its <see cref="LoginAttempt.Wait"/> is zero; else nothing is counted and
    /// the wait says how long it must still wait.
    /// </summary>
    public LoginAttempt Begin(string user, string? address)
    {
        var now = time.GetUtcNow();
        var userKey = UserKey(user);
        var addressKey = address is null ? null : AddressKey(address);
        lock (_gate)
        {
            var wait = Max(Wait(userKey, now), addressKey is null ? TimeSpan.Zero : Wait(addressKey, now));
            if (wait > TimeSpan.Zero)
                return new LoginAttempt(wait, Count(userKey));
            if (_failures.Count >= MaxTracked)
                Forget(now);
            if (addressKey is not null)
                Add(addressKey, now);
            return new LoginAttempt(TimeSpan.Zero, Add(userKey, now));
        }
    }

    /// <summary>How long an attempt must still wait; zero when it may go ahead. Counts nothing.</summary>
    public TimeSpan Wait(string user, string? address)
    {
        var now = time.GetUtcNow();
        lock (_gate)
            return Max(Wait(UserKey(user), now), address is null ? TimeSpan.Zero : Wait(AddressKey(address), now));
    }

    /// <summary>
    /// The attempt failed: the wait runs from now, not from when it began (a password check on a busy machine may take
    /// longer than the first wait).
    /// </summary>
    public void Failed(string user, string? address)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            Touch(UserKey(user), now);
            if (address is not null)
                Touch(AddressKey(address), now);
        }
    }

    public void Succeeded(string user, string? address)
    {
        lock (_gate)
        {
            _failures.Remove(UserKey(user));
            if (address is not null)
                _failures.Remove(AddressKey(address));
        }
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

    private int Count(string key) => _failures.TryGetValue(key, out var failures) ? failures.Count : 0;

    private int Add(string key, DateTimeOffset now)
    {
        var count = _failures.TryGetValue(key, out var old) && now - old.LastAt <= ForgetAfter ? old.Count + 1 : 1;
        _failures[key] = new Failures(count, now);
        return count;
    }

    private void Touch(string key, DateTimeOffset now)
    {
        if (_failures.TryGetValue(key, out var failures))
            _failures[key] = failures with { LastAt = now };
    }

    private void Forget(DateTimeOffset now)
    {
        foreach (var (key, failures) in _failures)
        {
            if (now - failures.LastAt > ForgetAfter)
                _failures.Remove(key);
        }
    }

    private static string UserKey(string user) => "user:" + user.ToLowerInvariant();

    private static string AddressKey(string address) => "address:" + address;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private readonly record struct Failures(int Count, DateTimeOffset LastAt);
}
