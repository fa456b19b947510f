namespace Lifeboat.Hypervisors.Libvirt;

/// <summary>libvirt refused or failed a step; the message says which and why.</summary>
public sealed class LibvirtException : Exception
{
    /// <summary>libvirt's virErrorNumber when the error came from its C API; 0 otherwise.</summary>
    public int Code { get; init; }

    public LibvirtException()
    {
    }

    public LibvirtException(string message)
        : base(message)
    {
    }

    public LibvirtException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
