namespace Lifeboat.FileRestore.Archives.Zip;

/// <summary>What the central directory repeats of an entry once its data is written (kept in memory until the end: about 100 bytes an entry).</summary>
internal sealed record ZipCentralEntry(
    byte[] Name,
    ushort Flags,
    ushort Method,
    uint DosTime,
    uint Crc,
    long CompressedSize,
    long Size,
    long Offset,
    uint ExternalAttributes,
    long ModifiedAt,
    long Uid,
    long Gid);
