namespace Lifeboat.Nfs.Datastore.Local;

/// <summary>What the datastore keeps of a statx result for a client-created file, folder or symbolic link.</summary>
internal readonly record struct LocalStat(
    LocalFileType Type,
    uint Permissions,
    uint Nlink,
    uint Uid,
    uint Gid,
    ulong Size,
    ulong Used,
    ulong Inode,
    uint Generation,
    uint DevMajor,
    uint DevMinor,
    long AtimeNanoseconds,
    long MtimeNanoseconds,
    long CtimeNanoseconds)
{
    private const int TypeMask = 0xF000;

    public static LocalStat From(in StatxBuffer buffer)
    {
        var type = (buffer.Mode & TypeMask) switch
        {
            (int)LocalFileType.Regular => LocalFileType.Regular,
            (int)LocalFileType.Directory => LocalFileType.Directory,
            (int)LocalFileType.SymbolicLink => LocalFileType.SymbolicLink,
            (int)LocalFileType.CharacterDevice => LocalFileType.CharacterDevice,
            (int)LocalFileType.BlockDevice => LocalFileType.BlockDevice,
            (int)LocalFileType.Fifo => LocalFileType.Fifo,
            _ => LocalFileType.Socket,
        };

        // The birth time tells a file from a later one that reuses its inode number, so handles of removed files go
        // stale instead of reaching the newcomer. File systems without it give generation 0.
        var generation = (buffer.Mask & StatxBuffer.MaskBirthTime) != 0
            ? (uint)StableHash.Mix(((ulong)buffer.BtimeSeconds << 30) ^ buffer.BtimeNanoseconds)
            : 0u;

        return new LocalStat(
            type,
            buffer.Mode & 0xFFFu,
            buffer.Nlink,
            buffer.Uid,
            buffer.Gid,
            buffer.Size,
            buffer.Blocks * 512,
            buffer.Ino,
            generation,
            buffer.DevMajor,
            buffer.DevMinor,
            ToNanoseconds(buffer.AtimeSeconds, buffer.AtimeNanoseconds),
            ToNanoseconds(buffer.MtimeSeconds, buffer.MtimeNanoseconds),
            ToNanoseconds(buffer.CtimeSeconds, buffer.CtimeNanoseconds));
    }

    private static long ToNanoseconds(long seconds, uint nanoseconds) =>
        seconds < 0 ? 0 : (seconds * 1_000_000_000) + nanoseconds;
}
