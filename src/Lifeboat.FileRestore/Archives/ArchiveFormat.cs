namespace Lifeboat.FileRestore.Archives;

/// <summary>What a download is packed as.</summary>
public enum ArchiveFormat
{
    /// <summary>POSIX/GNU tar, uncompressed.</summary>
    Tar,

    /// <summary>tar compressed with zstd (<c>.tar.zst</c>).</summary>
    TarZst,

    /// <summary>zip with Zip64, Info-ZIP's Unix extra fields (owners, modes, mtimes) and symlinks as Unix-mode entries.</summary>
    Zip,
}
