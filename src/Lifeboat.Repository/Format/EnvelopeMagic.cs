namespace Lifeboat.Repository.Format;

/// <summary>The 8-byte magics of the repository's files.</summary>
internal static class EnvelopeMagic
{
    public static ReadOnlySpan<byte> Config => "LBCONFIG"u8;

    public static ReadOnlySpan<byte> Index => "LBINDEX\0"u8;

    public static ReadOnlySpan<byte> RestorePoint => "LBRESTPT"u8;
}
