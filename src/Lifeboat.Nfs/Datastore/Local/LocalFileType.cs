namespace Lifeboat.Nfs.Datastore.Local;

/// <summary>The kind of object a name holds, as the type bits of its mode (S_IFMT) say.</summary>
internal enum LocalFileType
{
    Regular = 0x8000,
    Directory = 0x4000,
    SymbolicLink = 0xA000,
    CharacterDevice = 0x2000,
    BlockDevice = 0x6000,
    Fifo = 0x1000,
    Socket = 0xC000,
}
