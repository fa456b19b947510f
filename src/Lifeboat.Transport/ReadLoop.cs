namespace Lifeboat.Transport;

/// <summary>
/// Whether the current thread is running a request inline on a connection's read loop. Slow work reached from
/// there (a cold decode) leaves the thread, so the loop reads the calls behind it meanwhile; the same work on a
/// pipelined-call runner or on the thread of an earlier completion is already off the loop and runs where it is,
/// which saves a thread switch per request.
/// </summary>
public static class ReadLoop
{
    [ThreadStatic]
    private static bool t_dispatching;

    public static bool IsCurrentThread => t_dispatching;

    /// <summary>Set by the read loop around the synchronous part of dispatching, never across an await.</summary>
    internal static bool Dispatching
    {
        set => t_dispatching = value;
    }
}
