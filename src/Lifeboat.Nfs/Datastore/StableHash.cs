using System.Text;

namespace Lifeboat.Nfs.Datastore;

/// <summary>
/// Deterministic hashes for identifiers that must come out the same after a restart (file ids, directory cookies,
/// publication ids): string.GetHashCode is randomized per process, so it cannot serve.
/// </summary>
internal static class StableHash
{
    /// <summary>The SplitMix64 finalizer: spreads the bits of a 64-bit value.</summary>
    public static ulong Mix(ulong value)
    {
        value ^= value >> 30;
        value *= 0xbf58476d1ce4e5b9UL;
        value ^= value >> 27;
        value *= 0x94d049bb133111ebUL;
        value ^= value >> 31;
        return value;
    }

    /// <summary>FNV-1a over the UTF-8 bytes of <paramref name="text"/>, then mixed.</summary>
    public static ulong Of(string text)
    {
        var hash = 0xcbf29ce484222325UL;
        Span<byte> buffer = stackalloc byte[256];
        var bytes = Encoding.UTF8.GetMaxByteCount(text.Length) <= buffer.Length
            ? buffer[..Encoding.UTF8.GetBytes(text, buffer)]
            : Encoding.UTF8.GetBytes(text);
        foreach (var b in bytes)
        {
            hash ^= b;
            hash *= 0x100000001b3UL;
        }

        return Mix(hash);
    }
}
