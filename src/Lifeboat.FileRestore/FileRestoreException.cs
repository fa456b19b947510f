namespace Lifeboat.FileRestore;

/// <summary>What went wrong reading a restore point's files, in one sentence; <see cref="Field"/> names the input at fault when one is.</summary>
public class FileRestoreException : Exception
{
    public FileRestoreException(string message, string? field = null, Exception? innerException = null)
        : base(message, innerException) => Field = field;

    public FileRestoreException()
    {
    }

    public FileRestoreException(string message)
        : base(message)
    {
    }

    public FileRestoreException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The request's field the message is about (<c>path</c>, <c>fileSystem</c>, …), or null.</summary>
    public string? Field { get; }
}
