namespace Lifeboat.Repository.Format;

/// <summary>The fixed 16-byte start of every on-disk structure.</summary>
internal readonly record struct EnvelopeHeader(ushort Version, ushort Flags, uint PayloadLength)
{
    public bool Encrypted => (Flags & Envelope.FlagEncrypted) != 0;
}
