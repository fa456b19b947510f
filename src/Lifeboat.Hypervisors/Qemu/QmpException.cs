namespace Lifeboat.Hypervisors.Qemu;

/// <summary>QEMU answered a QMP command with an error object.</summary>
public sealed class QmpException : Exception
{
    public QmpException(string command, string errorClass, string description)
        : base($"QMP command '{command}' failed: {errorClass}: {description}")
    {
        Command = command;
        ErrorClass = errorClass;
        Description = description;
    }

    public string Command { get; }

    /// <summary>QEMU's error class, e.g. <c>GenericError</c>, <c>CommandNotFound</c>, <c>DeviceNotFound</c>.</summary>
    public string ErrorClass { get; }

    public string Description { get; }
}
