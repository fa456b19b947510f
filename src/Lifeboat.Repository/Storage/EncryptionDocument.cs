namespace Lifeboat.Repository.Storage;

/// <summary>How the master key is wrapped: PBKDF2-SHA256 parameters and the AES-GCM-sealed key (base64 in JSON).</summary>
internal sealed record EncryptionDocument(string Kdf, int Iterations, byte[] Salt, byte[] WrappedMasterKey)
{
    public const string Pbkdf2Sha256 = "pbkdf2-sha256";
}
