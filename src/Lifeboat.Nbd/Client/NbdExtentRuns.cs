namespace Lifeboat.Nbd.Client;

/// <summary>
/// The extents of one block status query, gathered from as many replies as it takes: each reply's extents clipped
/// to the asked range and joined to the run before when they touch and share its flags.
/// </summary>
internal sealed class NbdExtentRuns(long offset, long length)
{
    private readonly List<NbdExtent> _extents = [];

    public long End { get; } = offset + length;

    /// <summary>Where the next request starts: the end of what the replies covered so far.</summary>
    public long Position { get; private set; } = offset;

    public bool Covered => Position >= End;

    public IReadOnlyList<NbdExtent> Extents => _extents;

    public void Add(IReadOnlyList<NbdExtent> reply)
    {
        foreach (var extent in reply)
        {
            var clipped = Math.Min(extent.End, End) - extent.Offset;
            if (clipped <= 0)
            {
                break;
            }

            if (_extents.Count > 0 && _extents[^1].Flags == extent.Flags && _extents[^1].End == extent.Offset)
            {
                _extents[^1] = _extents[^1] with { Length = _extents[^1].Length + clipped };
            }
            else
            {
                _extents.Add(extent with { Length = clipped });
            }

            Position = extent.Offset + clipped;
        }
    }
}
