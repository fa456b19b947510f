namespace Lifeboat.Nbd.Protocol;

/// <summary>Fixed sizes of the protocol's messages.</summary>
internal static class NbdWire
{
    /// <summary>NBDMAGIC, IHAVEOPT, 16-bit handshake flags.</summary>
    public const int ServerGreetingSize = 8 + 8 + 2;

    /// <summary>IHAVEOPT, option, length.</summary>
    public const int OptionHeaderSize = 8 + 4 + 4;

    /// <summary>Magic, option, reply type, length.</summary>
    public const int OptionReplyHeaderSize = 8 + 4 + 4 + 4;

    /// <summary>Magic, flags, type, cookie, offset, length.</summary>
    public const int RequestHeaderSize = 4 + 2 + 2 + 8 + 8 + 4;

    /// <summary>Magic, error, cookie.</summary>
    public const int SimpleReplyHeaderSize = 4 + 4 + 8;

    /// <summary>Magic, flags, type, cookie, length.</summary>
    public const int StructuredReplyHeaderSize = 4 + 2 + 2 + 8 + 4;

    /// <summary>The reply to NBD_OPT_EXPORT_NAME: size, transmission flags, and 124 zeroes unless NO_ZEROES was agreed.</summary>
    public const int ExportNameReplySize = 8 + 2;

    public const int ExportNameReplyZeroes = 124;
}
