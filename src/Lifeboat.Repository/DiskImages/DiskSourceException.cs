namespace Lifeboat.Repository.DiskImages;

/// <summary>A disk image cannot be opened or read; the message is one sentence naming the file and the fix.</summary>
public sealed class DiskSourceException : Exception
{
    public DiskSourceException()
    {
    }

    public DiskSourceException(string message)
        : base(message)
    {
    }

    public DiskSourceException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal static DiskSourceException Missing(string path) =>
        new($"Disk file '{path}' does not exist.");

    internal static DiskSourceException VanishedOrShrank(string path) =>
        new($"Disk file '{path}' vanished or shrank during the backup; nothing of this backup was kept.");

    internal static DiskSourceException Corrupt(string path, string detail) =>
        new($"Disk image '{path}' is damaged ({detail}); check it with `qemu-img check`.");

    internal static DiskSourceException Unsupported(string path, string feature) =>
        new($"Disk image '{path}' uses {feature}, which Lifeboat cannot read; convert it with `qemu-img convert -O qcow2` first.");
}
