namespace Lifeboat.Hypervisors.Qemu;

/// <summary>QEMU could not start, was not found, or a VM stopped when it was expected to run.</summary>
public sealed class QemuException : Exception
{
    public QemuException(string message)
        : base(message)
    {
    }

    public QemuException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
