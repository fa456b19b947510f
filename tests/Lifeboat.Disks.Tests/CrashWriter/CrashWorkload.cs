using System.Buffers.Binary;

namespace Lifeboat.Disks.CrashWriter;

/// <summary>
/// The writes the crash writer performs, derived from a seed and an index only, so the test that kills the writer
/// can recompute every write it was told about.
/// </summary>
public static class CrashWorkload
{
    public const long DiskLength = (8L * 1024 * 1024) + 12345;
    public const int MaxWriteLength = 256 * 1024;

    public static CrashWrite Get(int seed, int index)
    {
        var random = new Random(Mix(seed, index, 17));
        int kind = random.Next(10);
        int length = kind switch
        {
            < 3 => random.Next(1, 8193),
            < 7 => 4096 * random.Next(1, 17),
            _ => random.Next(1, MaxWriteLength + 1),
        };
        long offset = kind switch
        {
            < 3 or >= 7 and < 9 => random.NextInt64(0, DiskLength - length + 1),
            < 7 => 4096 * random.NextInt64(0, (DiskLength - length) / 4096 + 1),
            _ => DiskLength - length, // touches the disk's last, partial cluster
        };
        var stability = random.Next(2) == 0 ? WriteStability.FileSync : WriteStability.Unstable;
        return new CrashWrite(offset, length, stability);
    }

    /// <summary>Whether the writer commits after write <paramref name="index"/>.</summary>
    public static bool CommitsAfter(int index) => index % 8 == 7;

    /// <summary>The bytes of write <paramref name="index"/>: a SplitMix64 stream, far cheaper than Random.NextBytes.</summary>
    public static void Fill(int seed, int index, Span<byte> data)
    {
        ulong state = ((ulong)(uint)Mix(seed, index, 29) << 32) | (uint)index;
        Span<byte> word = stackalloc byte[sizeof(ulong)];
        for (int i = 0; i < data.Length; i += sizeof(ulong))
        {
            state += 0x9E3779B97F4A7C15;
            ulong z = state;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
            BinaryPrimitives.WriteUInt64LittleEndian(word, z ^ (z >> 31));
            word[..Math.Min(sizeof(ulong), data.Length - i)].CopyTo(data[i..]);
        }
    }

    // HashCode.Combine is seeded per process; the writer and the test must derive the same numbers.
    private static int Mix(int seed, int index, int salt) => (int)((((uint)seed * 2654435761u) ^ ((uint)index * 40503u) ^ ((uint)salt << 24)) & int.MaxValue);
}

public readonly record struct CrashWrite(long Offset, int Length, WriteStability Stability);
