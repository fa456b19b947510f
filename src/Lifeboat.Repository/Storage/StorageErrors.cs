namespace Lifeboat.Repository.Storage;

/// <summary>Recognizes I/O errors that need their own message.</summary>
internal static class StorageErrors
{
    private const int Enospc = 28;
    private const int Edquot = 122;
    private const int WindowsDiskFull = unchecked((int)0x80070070);
    private const int WindowsHandleDiskFull = unchecked((int)0x80070027);

    public static bool IsDiskFull(IOException exception) =>
        exception.HResult is Enospc or Edquot or WindowsDiskFull or WindowsHandleDiskFull
        || exception.Message.Contains("No space left on device", StringComparison.OrdinalIgnoreCase)
        || exception.Message.Contains("Disk quota exceeded", StringComparison.OrdinalIgnoreCase);
}
