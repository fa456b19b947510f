namespace Lifeboat.Repository.DiskImages;

/// <summary>What a run of guest bytes maps to in a qcow2 image.</summary>
internal enum Qcow2ExtentKind
{
    /// <summary>Not in this image: read from the backing file, or zeros without one.</summary>
    Unallocated,

    /// <summary>Reads as zeros, even over a backing file.</summary>
    Zero,

    /// <summary>Stored uncompressed at a host offset.</summary>
    Data,

    /// <summary>Inside one compressed cluster.</summary>
    Compressed,
}

/// <summary>
/// A run of guest bytes with one mapping. For <see cref="Qcow2ExtentKind.Data"/>, <see cref="HostOffset"/> is where
/// the first byte is stored; for <see cref="Qcow2ExtentKind.Compressed"/> it is where the cluster's compressed data
/// starts and <see cref="CompressedLength"/> how long it is.
/// </summary>
internal readonly record struct Qcow2Extent(Qcow2ExtentKind Kind, long Length, long HostOffset = 0, int CompressedLength = 0);
