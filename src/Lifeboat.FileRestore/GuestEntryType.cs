namespace Lifeboat.FileRestore;

/// <summary>What a folder entry is (the POSIX file types).</summary>
public enum GuestEntryType
{
    File,
    Directory,
    Symlink,
    CharDevice,
    BlockDevice,
    Fifo,
    Socket,
    Unknown,
}
