namespace Lifeboat.Nfs.Nfs3;

/// <summary>The transfer sizes the NFS program announces in FSINFO and enforces.</summary>
public sealed class Nfs3ProgramOptions
{
    /// <summary>rtmax: READ counts above it are cut to it (the reply must fit the RPC record limit).</summary>
    public int MaxReadSize { get; init; } = 1024 * 1024;

    /// <summary>wtmax: a WRITE carrying more data gets NFS3ERR_INVAL.</summary>
    public int MaxWriteSize { get; init; } = 1024 * 1024;

    /// <summary>rtpref: what QEMU's 128 KiB requests already use.</summary>
    public int PreferredReadSize { get; init; } = 128 * 1024;

    public int PreferredWriteSize { get; init; } = 128 * 1024;

    /// <summary>dtpref: the preferred READDIR reply size.</summary>
    public int PreferredDirectorySize { get; init; } = 64 * 1024;

    /// <summary>READDIR and READDIRPLUS replies are cut to this many bytes whatever the client asks.</summary>
    public int MaxDirectoryReplySize { get; init; } = 1024 * 1024;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxReadSize, 4096);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxWriteSize, 4096);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxReadSize, 1024 * 1024);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxWriteSize, 1024 * 1024);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(PreferredReadSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(PreferredWriteSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(PreferredDirectorySize);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxDirectoryReplySize, 4096);
    }
}
