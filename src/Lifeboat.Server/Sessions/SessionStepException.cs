namespace Lifeboat.Server.Sessions;

/// <summary>A session step cannot go on; the message is one sentence that says what to do.</summary>
public sealed class SessionStepException : Exception
{
    public SessionStepException(string message)
        : base(message)
    {
    }

    public SessionStepException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
