using System.Buffers;
using Lifeboat.Transport;

namespace Lifeboat.Nbd.Server;

/// <summary>
/// One reply built in a pooled array: the header in front, the payload (a READ's data, read there by the device)
/// behind it, so it leaves in one piece without a copy. <see cref="AdmittedBytes"/> goes back to the connection's
/// budget once the reply is sent.
/// </summary>
internal sealed class NbdOutgoingReply : IOutgoingFrame
{
    public NbdOutgoingReply(int size, long admittedBytes)
    {
        Buffer = ArrayPool<byte>.Shared.Rent(Math.Max(size, 1));
        Length = size;
        AdmittedBytes = admittedBytes;
    }

    public byte[] Buffer { get; private set; }

    /// <summary>Bytes of <see cref="Buffer"/> to send; zero for a request that gets no reply (a dropped one).</summary>
    public int Length { get; set; }

    public long AdmittedBytes { get; }

    public ArraySegment<byte> Bytes => new(Buffer, 0, Length);

    public void Release() => Return();

    public void Return()
    {
        var buffer = Buffer;
        Buffer = [];
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
