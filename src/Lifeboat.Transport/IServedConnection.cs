namespace Lifeboat.Transport;

/// <summary>A connection a <see cref="ConnectionListener"/> runs and stops.</summary>
public interface IServedConnection
{
    long Id { get; }

    /// <summary>The peer, for log lines.</summary>
    string Remote { get; }

    /// <summary>Serves the connection until it ends, then releases it; an exception that escapes is logged by the listener.</summary>
    Task RunAsync();

    /// <summary>Finishes the requests already read, sends their replies, then closes.</summary>
    void BeginStop();

    /// <summary>Closes the connection now; requests still running see their cancellation token fire.</summary>
    void Abort();
}
