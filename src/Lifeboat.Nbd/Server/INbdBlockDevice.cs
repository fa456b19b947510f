using Lifeboat.Nbd.Client;
using Lifeboat.Nbd.Protocol;

namespace Lifeboat.Nbd.Server;

/// <summary>
/// What an NBD export serves. The server checks every range against <see cref="Size"/> and refuses writes to a
/// read-only device before calling, so implementations see only valid requests. An exception from any method
/// fails that one request with NBD_EIO (and a log line); the connection goes on.
/// </summary>
public interface INbdBlockDevice
{
    long Size { get; }

    bool IsReadOnly { get; }

    /// <summary>True when the device can make writes durable (NBD_CMD_FLUSH and FUA are then offered).</summary>
    bool CanFlush => true;

    /// <summary>
    /// True when every connection to the export reaches this one device and a flush on any of them makes the writes
    /// that completed on all of them durable (NBD_FLAG_CAN_MULTI_CONN: clients such as nbdcopy then open several
    /// connections). False for a device that keeps per-connection state, such as a write-back buffer of its own.
    /// </summary>
    bool CanMultiConn => false;

    /// <summary>True when <see cref="TrimAsync"/> does something; trims are hints and never offered otherwise.</summary>
    bool CanTrim => false;

    ValueTask ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken);

    /// <param name="fua">The write must be durable before the call completes.</param>
    ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, bool fua, CancellationToken cancellationToken);

    ValueTask FlushAsync(CancellationToken cancellationToken);

    /// <summary>The range is no longer needed; its content is undefined until written again.</summary>
    ValueTask TrimAsync(long offset, long length, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>The range must read back as zeroes.</summary>
    /// <param name="mayPunchHole">False when the client asked for NBD_CMD_FLAG_NO_HOLE: keep the range allocated.</param>
    ValueTask WriteZeroesAsync(long offset, long length, bool mayPunchHole, CancellationToken cancellationToken);

    /// <summary>
    /// Appends <c>base:allocation</c> extents (flags from <see cref="NbdAllocationFlags"/>) that describe the device
    /// from <paramref name="offset"/> on, consecutive, at least one. They may stop before <paramref name="length"/>
    /// bytes (the client asks again) and should stop after <paramref name="maxExtents"/>. The default says
    /// "allocated, content unknown" for the whole range, which is always true.
    /// </summary>
    ValueTask GetAllocationAsync(long offset, long length, int maxExtents, IList<NbdExtent> extents, CancellationToken cancellationToken)
    {
        extents.Add(new NbdExtent(offset, length, (uint)NbdAllocationFlags.None));
        return ValueTask.CompletedTask;
    }
}
