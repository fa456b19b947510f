using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;

namespace Lifeboat.Repository.Manifests;

/// <summary>Restore point ids: UTC time to the second plus 16 random bits, e.g. 20261125-213649-7f3a.</summary>
internal static class RestorePointId
{
    private static readonly SearchValues<char> Allowed = SearchValues.Create("0123456789abcdefghijklmnopqrstuvwxyz-");

    public static string New(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-"
        + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(2));

    /// <summary>Ids are also file names, so anything else (e.g. "../x") is rejected before touching the disk.</summary>
    public static bool IsValid(string? id) =>
        id is { Length: > 0 and <= 64 } && !id.AsSpan().ContainsAnyExcept(Allowed) && id[0] != '-';
}
