namespace Lifeboat.Nbd.Protocol;

/// <summary>The magic numbers of the NBD protocol document.</summary>
public static class NbdMagic
{
    /// <summary>ASCII "NBDMAGIC", the first 8 bytes a server sends.</summary>
    public const ulong InitPassword = 0x4e42444d41474943;

    /// <summary>ASCII "IHAVEOPT": newstyle negotiation after the server's first magic, and in front of every option.</summary>
    public const ulong Option = 0x49484156454F5054;

    /// <summary>Sent by oldstyle servers where newstyle ones send <see cref="Option"/>.</summary>
    public const ulong OldstyleNegotiation = 0x00420281861253;

    public const ulong OptionReply = 0x3e889045565a9;

    public const uint Request = 0x25609513;

    public const uint SimpleReply = 0x67446698;

    public const uint StructuredReply = 0x668e33ef;
}
