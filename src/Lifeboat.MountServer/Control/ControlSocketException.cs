namespace Lifeboat.MountServer.Control;

/// <summary>The control socket could not be made: its folder or file could not be created, or another mount server answers there.</summary>
public sealed class ControlSocketException : IOException
{
    public ControlSocketException()
    {
    }

    public ControlSocketException(string message)
        : base(message)
    {
    }

    public ControlSocketException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
