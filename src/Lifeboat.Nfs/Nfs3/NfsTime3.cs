using Lifeboat.OncRpc.Xdr;

namespace Lifeboat.Nfs.Nfs3;

/// <summary>nfstime3 of RFC 1813 section 2.6: seconds and nanoseconds since the Unix epoch.</summary>
public readonly record struct NfsTime3(uint Seconds, uint Nanoseconds)
{
    private const long NanosecondsPerSecond = 1_000_000_000;

    /// <summary>Converts nanoseconds since the epoch, clamped to what nfstime3 can hold.</summary>
    public static NfsTime3 FromUnixNanoseconds(long nanoseconds)
    {
        if (nanoseconds <= 0)
        {
            return default;
        }

        var seconds = nanoseconds / NanosecondsPerSecond;
        return seconds > uint.MaxValue
            ? new NfsTime3(uint.MaxValue, 999_999_999)
            : new NfsTime3((uint)seconds, (uint)(nanoseconds % NanosecondsPerSecond));
    }

    public static NfsTime3 FromDateTime(DateTime utc) =>
        FromUnixNanoseconds((utc.ToUniversalTime() - DateTime.UnixEpoch).Ticks * 100);

    public long ToUnixNanoseconds() => (Seconds * NanosecondsPerSecond) + Math.Min(Nanoseconds, 999_999_999u);

    public static NfsTime3 Decode(ref XdrReader reader) => new(reader.ReadUInt32(), reader.ReadUInt32());

    public void Encode(XdrWriter writer)
    {
        writer.WriteUInt32(Seconds);
        writer.WriteUInt32(Nanoseconds);
    }
}
