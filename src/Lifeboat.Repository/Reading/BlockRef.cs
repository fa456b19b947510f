namespace Lifeboat.Repository.Reading;

/// <summary>
/// A block map entry resolved at open: which pack (a local slot), where in it, how many bytes to read.
/// Resolving once means a read does no dictionary lookup.
/// </summary>
internal readonly record struct BlockRef(int Pack, int StoredLength, long Offset)
{
    public const int ZeroPack = -1;
    public const int MissingPack = -2;

    public static BlockRef Zero => new(ZeroPack, 0, 0);

    public static BlockRef Missing => new(MissingPack, 0, 0);

    public bool IsZero => Pack == ZeroPack;

    public bool IsMissing => Pack == MissingPack;
}
