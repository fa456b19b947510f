using Lifeboat.Errors;

namespace Lifeboat.FileRestore;

/// <summary>
/// What went wrong reading a restore point's files, in one sentence; <see cref="LifeboatException.Field"/> names the
/// input at fault when one is (the request is invalid), else the restore point's files refused it (a conflict).
/// </summary>
public class FileRestoreException : LifeboatException
{
    public FileRestoreException(string message, string? field = null, Exception? innerException = null)
        : base(field is null ? LifeboatErrorReason.Conflict : LifeboatErrorReason.Invalid, message, field, innerException)
    {
    }

    public FileRestoreException()
        : this("The restore point's files could not be read.")
    {
    }

    public FileRestoreException(string message)
        : this(message, null, null)
    {
    }

    public FileRestoreException(string message, Exception innerException)
        : this(message, null, innerException)
    {
    }
}
