namespace Lifeboat.Server.Security;

/// <summary>An attempt's verdict: how long it must still wait (zero: it goes ahead), and the failures in a row it makes.</summary>
public readonly record struct LoginAttempt(TimeSpan Wait, int Failures)
{
    public bool MayGoAhead => Wait == TimeSpan.Zero;

    /// <summary>The wait in whole seconds, rounded up: what Retry-After and the sentence say.</summary>
    public int WaitSeconds => (int)Math.Ceiling(Wait.TotalSeconds);
}
