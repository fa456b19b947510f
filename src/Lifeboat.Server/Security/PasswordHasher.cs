using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Lifeboat.Server.Security;

/// <summary>
/// PBKDF2-HMAC-SHA256 with a random 16-byte salt per password and OWASP's 600,000 iterations, kept as one string that
/// says how it was made (<c>pbkdf2-sha256$600000$SALT$HASH</c>), so the count can be raised later without a migration.
/// </summary>
public static class PasswordHasher
{
    public const int Iterations = 600_000;
    private const string Algorithm = "pbkdf2-sha256";
    private const int SaltBytes = 16;
    private const int HashBytes = 32;
    private const int MaxIterations = 10_000_000;

    /// <summary>A hash of a password no one has, checked when a user name is unknown so that the answer takes as long.</summary>
    private static readonly Lazy<string> Decoy = new(() => Hash(Convert.ToBase64String(RandomNumberGenerator.GetBytes(18))));

    public static string Hash(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, Iterations, HashAlgorithmName.SHA256, HashBytes);
        return string.Create(CultureInfo.InvariantCulture, $"{Algorithm}${Iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}");
    }

    public static bool Verify(string password, string stored)
    {
        var parts = stored.Split('$');
        if (parts.Length != 4 || parts[0] != Algorithm
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations) || iterations is < 1 or > MaxIterations)
            return false;
        byte[] salt, expected;
        try
        {
            salt = Convert.FromBase64String(parts[2]);
            expected = Convert.FromBase64String(parts[3]);
        }
        catch (FormatException)
        {
            return false;
        }

        var actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }

    /// <summary>Spends the time of one verification, for a user name that does not exist.</summary>
    public static void VerifyDecoy(string password) => Verify(password, Decoy.Value);

    /// <summary>A password for a user the server creates: 18 random bytes, 24 characters.</summary>
    public static string Generate() => Base64Url(RandomNumberGenerator.GetBytes(18));

    internal static string Base64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
