namespace Lifeboat.Fuzz;

/// <summary>Byte-level mutations of a well-formed input, and random cuts of a stream into the pieces a socket might deliver.</summary>
internal static class Mutations
{
    private static readonly uint[] Interesting = [0, 1, 3, 4, 16, 17, 31, 32, 33, 255, 256, 400, 401, 4096, 0x7FFF_FFFF, 0x8000_0000, 0x8000_0004, 0xFFFF_FFFF];

    public static byte[] Mutate(Random random, byte[] seed)
    {
        var bytes = new List<byte>(seed);
        var mutations = random.Next(1, 6);
        for (var m = 0; m < mutations && bytes.Count > 0; m++)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(5))
            {
                case 0:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 1:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 2:
                    bytes.RemoveRange(at, Math.Min(random.Next(1, 8), bytes.Count - at));
                    break;
                case 3:
                    bytes.InsertRange(at, Enumerable.Range(0, random.Next(1, 8)).Select(_ => (byte)random.Next(256)));
                    break;
                default:
                    // Interesting integers where lengths, counts and record marks live.
                    var value = Interesting[random.Next(Interesting.Length)];
                    var word = at & ~3;
                    for (var b = 0; b < 4 && word + b < bytes.Count; b++)
                    {
                        bytes[word + b] = (byte)(value >> (24 - (8 * b)));
                    }

                    break;
            }
        }

        return [.. bytes];
    }

    /// <summary>Cuts the stream at up to four random offsets.</summary>
    public static List<ReadOnlyMemory<byte>> Split(Random random, byte[] stream)
    {
        var cuts = new SortedSet<int>();
        var count = stream.Length < 2 ? 0 : random.Next(0, 5);
        for (var i = 0; i < count; i++)
        {
            cuts.Add(random.Next(1, stream.Length));
        }

        var pieces = new List<ReadOnlyMemory<byte>>(cuts.Count + 1);
        var start = 0;
        foreach (var cut in cuts)
        {
            pieces.Add(stream.AsMemory(start, cut - start));
            start = cut;
        }

        pieces.Add(stream.AsMemory(start));
        return pieces;
    }
}
