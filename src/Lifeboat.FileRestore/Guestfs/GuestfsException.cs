namespace Lifeboat.FileRestore.Guestfs;

/// <summary>A libguestfs call failed: its name, libguestfs's own message and errno (0 when it gave none).</summary>
internal sealed class GuestfsException : Exception
{
    /// <summary>EIO: the appliance could not read the disk under the file.</summary>
    public const int InputOutputError = 5;

    /// <summary>ENOENT.</summary>
    public const int NoSuchFile = 2;

    public GuestfsException(string call, string message, int errno)
        : base($"libguestfs {call} failed: {FirstLine(message)}") => (Call, GuestfsMessage, Errno) = (call, FirstLine(message), errno);

    public GuestfsException()
    {
        Call = GuestfsMessage = string.Empty;
    }

    public GuestfsException(string message)
        : base(message)
    {
        Call = GuestfsMessage = string.Empty;
    }

    public GuestfsException(string message, Exception innerException)
        : base(message, innerException)
    {
        Call = GuestfsMessage = string.Empty;
    }

    public string Call { get; }

    /// <summary>What libguestfs said, without the call's name.</summary>
    public string GuestfsMessage { get; }

    public int Errno { get; }

    /// <summary>
    /// An I/O error reading the disk: errno EIO, the kernel's words for it, or a download the daemon gave up (it passes no
    /// errno then; on a read-only file it has already opened, a failed read is what makes it give up).
    /// </summary>
    public bool IsInputOutputError =>
        Errno == InputOutputError
        || GuestfsMessage.Contains("Input/output error", StringComparison.Ordinal)
        || GuestfsMessage.Contains("cancelled by daemon", StringComparison.Ordinal);

    // libguestfs appends lines of advice on debugging to many messages; the first line says what failed.
    private static string FirstLine(string message)
    {
        var end = message.IndexOf('\n', StringComparison.Ordinal);
        return (end < 0 ? message : message[..end]).Trim();
    }
}
