namespace Lifeboat.Hypervisors.Qemu.GuestAgent;

/// <summary>The guest agent answered a command with an error object.</summary>
public sealed class GuestAgentException : Exception
{
    public GuestAgentException(string command, string errorClass, string description)
        : base($"Guest agent command '{command}' failed: {errorClass}: {description}")
    {
        Command = command;
        ErrorClass = errorClass;
        Description = description;
    }

    public string Command { get; }

    /// <summary>The agent's error class, e.g. <c>GenericError</c>, <c>CommandNotFound</c>.</summary>
    public string ErrorClass { get; }

    public string Description { get; }
}
