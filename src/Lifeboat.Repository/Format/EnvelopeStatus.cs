namespace Lifeboat.Repository.Format;

/// <summary>Outcome of parsing an <see cref="Envelope"/>.</summary>
internal enum EnvelopeStatus
{
    Ok,
    NeedMoreData,
    BadMagic,
    NewerVersion,
    TooLarge,
    BadLength,
    BadChecksum,
}
