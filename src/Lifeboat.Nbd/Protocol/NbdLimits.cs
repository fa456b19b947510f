namespace Lifeboat.Nbd.Protocol;

/// <summary>Sizes the protocol document fixes or recommends, and the caps both sides apply before allocating.</summary>
public static class NbdLimits
{
    /// <summary>The protocol's string limit (export names, metadata context names, error messages).</summary>
    public const int MaxStringLength = 4096;

    /// <summary>2^25: the payload every server should accept and no peer should call a denial of service.</summary>
    public const int MaxPayload = 32 * 1024 * 1024;

    /// <summary>The largest option or option reply body read; a GO names one export and a few info requests.</summary>
    public const int MaxOptionLength = 64 * 1024;

    /// <summary>Servers should not send more than 2^20 extents in one block status chunk.</summary>
    public const int MaxExtentsPerChunk = 1 << 20;

    /// <summary>Metadata context queries accepted in one LIST/SET_META_CONTEXT.</summary>
    public const int MaxMetaContextQueries = 128;

    /// <summary>A structured error chunk: error, message length, a message of at most 4096 bytes and an offset.</summary>
    public const int MaxErrorChunkLength = 4 + 2 + MaxStringLength + 8;

    public const string BaseAllocation = "base:allocation";
}
