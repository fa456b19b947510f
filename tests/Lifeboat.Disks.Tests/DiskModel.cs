namespace Lifeboat.Disks.Tests;

/// <summary>What a published disk must contain: the base, then every write and length change applied in order.</summary>
internal sealed class DiskModel
{
    private byte[] _bytes;

    public DiskModel(byte[] initial)
    {
        _bytes = (byte[])initial.Clone();
        Length = initial.Length;
    }

    public long Length { get; private set; }

    public ReadOnlySpan<byte> Content => _bytes.AsSpan(0, (int)Length);

    public void Write(long offset, ReadOnlySpan<byte> data)
    {
        if (offset + data.Length > Length)
            SetLength(offset + data.Length);
        data.CopyTo(_bytes.AsSpan((int)offset));
    }

    public void SetLength(long length)
    {
        if (length > _bytes.Length)
            Array.Resize(ref _bytes, (int)Math.Max(length, _bytes.Length * 2L));
        if (length < Length)
            _bytes.AsSpan((int)length, (int)(Length - length)).Clear();
        Length = length;
    }

    /// <summary>The bytes a read of <paramref name="count"/> at <paramref name="offset"/> must return.</summary>
    public ReadOnlySpan<byte> Read(long offset, int count)
    {
        if (offset >= Length)
            return [];
        return _bytes.AsSpan((int)offset, (int)Math.Min(count, Length - offset));
    }
}
