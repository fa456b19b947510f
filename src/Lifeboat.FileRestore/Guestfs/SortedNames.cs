namespace Lifeboat.FileRestore.Guestfs;

/// <summary>
/// A folder's names as ls0 wrote them (each ending in NUL), in one buffer, sorted by their bytes. A 100,000-entry folder
/// costs its names' bytes plus 8 bytes an entry; the caps keep a hostile folder from costing more.
/// </summary>
internal sealed class SortedNames
{
    /// <summary>The most bytes of names read for one folder.</summary>
    public const int MaxBytes = 64 << 20;

    /// <summary>The most entries listed for one folder.</summary>
    public const int MaxEntries = 2_000_000;

    private readonly byte[] _bytes;
    private readonly int[] _starts;
    private readonly int[] _lengths;

    private SortedNames(byte[] bytes, int[] starts, int[] lengths) => (_bytes, _starts, _lengths) = (bytes, starts, lengths);

    public int Count => _starts.Length;

    public ReadOnlySpan<byte> this[int index] => _bytes.AsSpan(_starts[index], _lengths[index]);

    /// <summary>Reads an ls0 output file.</summary>
    /// <exception cref="FileRestoreException">The folder holds more than the caps allow.</exception>
    public static SortedNames Read(string ls0File, GuestPath folder)
    {
        var length = new FileInfo(ls0File).Length;
        if (length > MaxBytes)
            throw new FileRestoreException($"{folder} holds more than {MaxBytes >> 20} MiB of names, more than a listing reads; find the files with a name pattern instead.", "path");
        var bytes = File.ReadAllBytes(ls0File);
        var count = bytes.AsSpan().Count((byte)0);
        if (count > MaxEntries)
            throw new FileRestoreException($"{folder} holds {count} entries, more than the {MaxEntries} a listing reads; find the files with a name pattern instead.", "path");
        var starts = new int[count];
        var lengths = new int[count];
        var at = 0;
        for (var i = 0; i < count; i++)
        {
            var end = Array.IndexOf(bytes, (byte)0, at);
            starts[i] = at;
            lengths[i] = end - at;
            at = end + 1;
        }

        var order = new int[count];
        for (var i = 0; i < count; i++)
            order[i] = i;
        Array.Sort(order, (a, b) => bytes.AsSpan(starts[a], lengths[a]).SequenceCompareTo(bytes.AsSpan(starts[b], lengths[b])));
        var sortedStarts = new int[count];
        var sortedLengths = new int[count];
        for (var i = 0; i < count; i++)
        {
            sortedStarts[i] = starts[order[i]];
            sortedLengths[i] = lengths[order[i]];
        }

        return new SortedNames(bytes, sortedStarts, sortedLengths);
    }
}
