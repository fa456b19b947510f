using System.Text.Json;
using Lifeboat.Repository.Format;

namespace Lifeboat.Repository.Storage;

/// <summary>The `config` file: an unencrypted envelope (magic "LBCONFIG") holding <see cref="ConfigDocument"/> as JSON.</summary>
internal static class ConfigFile
{
    public const int CurrentFormatVersion = 1;
    public const int MaxLength = 64 * 1024;

    public static byte[] Encode(ConfigDocument document) =>
        Envelope.Encode(
            EnvelopeMagic.Config,
            CurrentFormatVersion,
            JsonSerializer.SerializeToUtf8Bytes(document, RepositoryJsonContext.Default.ConfigDocument),
            cipher: null);

    public static ConfigDocument Read(RepositoryLayout layout)
    {
        byte[] bytes;
        bool tooLarge;
        try
        {
            bytes = DurableFile.ReadAllCapped(layout.ConfigPath, MaxLength, out tooLarge);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw NotARepository(layout.Display);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new RepositoryException($"The config file of repository '{layout.Display}' cannot be read (permission denied); run Lifeboat as a user that can read it.", ex);
        }

        if (tooLarge)
        {
            throw Damaged(layout.Display, "it is larger than a config file can be");
        }

        var status = Envelope.TryDecode(bytes, EnvelopeMagic.Config, ushort.MaxValue, MaxLength, out var header, out var payload);
        if (status == EnvelopeStatus.BadMagic)
        {
            throw NotARepository(layout.Display);
        }

        if (status != EnvelopeStatus.Ok)
        {
            throw Damaged(layout.Display, Envelope.Describe(status));
        }

        if (header.Version > CurrentFormatVersion)
        {
            throw NewerVersion(layout.Display, header.Version);
        }

        ConfigDocument? document;
        try
        {
            document = JsonSerializer.Deserialize(payload, RepositoryJsonContext.Default.ConfigDocument);
        }
        catch (JsonException ex)
        {
            throw Damaged(layout.Display, "its JSON is invalid: " + ex.Message);
        }

        if (document is null)
        {
            throw Damaged(layout.Display, "it is empty");
        }

        if (document.FormatVersion > CurrentFormatVersion)
        {
            throw NewerVersion(layout.Display, document.FormatVersion);
        }

        if (document.FormatVersion < 1 || string.IsNullOrEmpty(document.RepositoryId)
            || !RepositoryOptions.IsValidBlockSize(document.BlockSize)
            || !CompressionCodecNames.TryParse(document.Compression, out _))
        {
            throw Damaged(layout.Display, "a setting is missing or out of range");
        }

        if (document.Encryption is { } encryption
            && (encryption.Kdf != EncryptionDocument.Pbkdf2Sha256
                || encryption.Iterations is < 1 or > Crypto.MasterKey.MaxIterations
                || encryption.Salt is not { Length: Crypto.MasterKey.SaltSize }
                || encryption.WrappedMasterKey is not { Length: Crypto.MasterKey.WrappedSize }))
        {
            throw Damaged(layout.Display, "its encryption settings are invalid");
        }

        return document;
    }

    public static RepositoryException NotARepository(string root) =>
        new($"'{root}' is not a Lifeboat repository (no config file); initialize one there first.", RepositoryRemedy.Initialize);

    private static RepositoryException NewerVersion(string root, int version) =>
        new($"Repository '{root}' uses format version {version}; this Lifeboat reads versions up to {CurrentFormatVersion}: upgrade Lifeboat.");

    private static RepositoryException Damaged(string root, string problem) =>
        new($"The config file of repository '{root}' is damaged ({problem}); restore it from a copy of the repository.");
}
