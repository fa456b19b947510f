using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Lifeboat.Server.Contracts.Security;

/// <summary>
/// The SHA-256 of a certificate's DER bytes, as the server prints it at every start (<c>AB:CD:…</c>) and as the CLI
/// compares it with LIFEBOAT_SERVER_FINGERPRINT (colons, spaces and case do not matter).
/// </summary>
public static class CertificateFingerprint
{
    public const string Variable = "LIFEBOAT_SERVER_FINGERPRINT";

    public static string Of(X509Certificate certificate) =>
        string.Join(':', SHA256.HashData(certificate.GetRawCertData()).Select(b => b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)));

    public static bool Matches(X509Certificate certificate, string expected) =>
        string.Equals(Normalize(Of(certificate)), Normalize(expected), StringComparison.OrdinalIgnoreCase);

    private static string Normalize(string text) => new(text.Where(char.IsAsciiHexDigit).ToArray());
}
