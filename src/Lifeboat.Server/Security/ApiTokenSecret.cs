using System.Security.Cryptography;
using System.Text;
using Lifeboat.Server.Contracts.Security;

namespace Lifeboat.Server.Security;

/// <summary>
/// An API token's secret: <c>lb_</c> and 32 random bytes in base64url. Only its SHA-256 is stored: the secret has 256
/// bits of entropy, so a fast hash cannot be guessed backwards and keeps each REST call's check cheap.
/// </summary>
public static class ApiTokenSecret
{
    private const int SecretBytes = 32;

    /// <summary>The prefix and 43 base64url characters.</summary>
    private static readonly int TextLength = ApiTokenFile.TokenPrefix.Length + 43;

    public static string Generate() => ApiTokenFile.TokenPrefix + PasswordHasher.Base64Url(RandomNumberGenerator.GetBytes(SecretBytes));

    public static bool LooksLikeOne(ReadOnlySpan<char> text) =>
        text.Length == TextLength && text.StartsWith(ApiTokenFile.TokenPrefix, StringComparison.Ordinal);

    public static string Hash(ReadOnlySpan<char> secret)
    {
        Span<byte> utf8 = stackalloc byte[TextLength * 3];
        var length = Encoding.UTF8.GetBytes(secret, utf8);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(utf8[..length], hash);
        return Convert.ToHexStringLower(hash);
    }
}
