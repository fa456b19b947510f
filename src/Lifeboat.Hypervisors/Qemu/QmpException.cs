namespace Lifeboat.Hypervisors.Qemu;

/// <summary>QEMU answered a QMP command with an error object.</summary>
public class QmpException : Exception
{
    public QmpException(string command, string errorClass, string description)
        : this("QMP", command, errorClass, description)
    {
    }

    /// <param name="speaker">Who answered in QMP's wire format: "QMP" for QEMU itself, "Guest agent" for qemu-ga.</param>
    protected QmpException(string speaker, string command, string errorClass, string description)
        : base($"{speaker} command '{command}' failed: {errorClass}: {description}")
    {
        Command = command;
        ErrorClass = errorClass;
        Description = description;
    }

    public string Command { get; }

    /// <summary>The error class, e.g. <c>GenericError</c>, <c>CommandNotFound</c>, <c>DeviceNotFound</c>.</summary>
    public string ErrorClass { get; }

    public string Description { get; }
}
