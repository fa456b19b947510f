namespace Lifeboat.Repository.DiskImages;

/// <summary>
/// Walks a sorted range sequence once while answering "which parts of [start, start + length) does it cover?"
/// for windows that only move forward: how a qcow2 image finds what its backing file holds under its holes.
/// </summary>
internal sealed class SortedRangeCursor : IDisposable
{
    private readonly IEnumerator<(long Offset, long Length)> _ranges;
    private bool _hasCurrent;
    private long _currentStart;
    private long _currentEnd;

    public SortedRangeCursor(IEnumerable<(long Offset, long Length)> sorted)
    {
        _ranges = sorted.GetEnumerator();
        Advance();
    }

    public IEnumerable<(long Offset, long Length)> Intersect(long start, long length)
    {
        long end = start + length;
        while (_hasCurrent && _currentEnd <= start)
            Advance();
        while (_hasCurrent && _currentStart < end)
        {
            long from = Math.Max(_currentStart, start);
            long to = Math.Min(_currentEnd, end);
            yield return (from, to - from);
            if (_currentEnd > end)
                yield break;
            Advance();
        }
    }

    public void Dispose() => _ranges.Dispose();

    private void Advance()
    {
        _hasCurrent = _ranges.MoveNext();
        if (_hasCurrent)
        {
            _currentStart = _ranges.Current.Offset;
            _currentEnd = _ranges.Current.Offset + _ranges.Current.Length;
        }
    }
}
