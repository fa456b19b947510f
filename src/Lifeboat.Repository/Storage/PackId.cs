using System.Buffers;
using System.Security.Cryptography;

namespace Lifeboat.Repository.Storage;

/// <summary>Pack names: 128 random bits as 32 lower-case hex digits.</summary>
internal static class PackId
{
    public const int Length = 32;

    private static readonly SearchValues<char> HexDigits = SearchValues.Create("0123456789abcdef");

    public static string New() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(Length / 2));

    public static bool IsValid(ReadOnlySpan<char> name) =>
        name.Length == Length && !name.ContainsAnyExcept(HexDigits);
}
