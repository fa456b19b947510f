namespace Lifeboat.Hypervisors.Hosts;

/// <summary>A host cannot do what a session asked; the message is one sentence naming the host, what is wrong and what to do.</summary>
public sealed class HostException : Exception
{
    public HostException()
    {
    }

    public HostException(string message)
        : base(message)
    {
    }

    public HostException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
