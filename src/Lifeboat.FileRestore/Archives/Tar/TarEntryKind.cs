namespace Lifeboat.FileRestore.Archives.Tar;

/// <summary>What a tar entry is (its typeflag, GNU's and PAX's extension headers already folded into the entry).</summary>
internal enum TarEntryKind
{
    File,
    HardLink,
    Symlink,
    CharDevice,
    BlockDevice,
    Directory,
    Fifo,
}
