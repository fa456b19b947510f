namespace Lifeboat.Hypervisors.Qemu.GuestAgent;

/// <summary>A file the writer was not to replace is there in the guest, with bytes; nothing was written to it.</summary>
public sealed class GuestFileExistsException : IOException
{
    public GuestFileExistsException()
    {
    }

    public GuestFileExistsException(string message)
        : base(message)
    {
    }

    public GuestFileExistsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
