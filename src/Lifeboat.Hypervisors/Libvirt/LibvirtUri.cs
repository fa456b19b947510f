using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Lifeboat.Hypervisors.Libvirt;

/// <summary>
/// The libvirt connection URIs Lifeboat uses: <c>qemu:///system</c>, and <c>qemu+ssh://</c>, <c>qemu+tls://</c> or
/// <c>qemu+tcp://</c> <c>[USER@]HOST[:PORT]/system</c>. libvirt runs programs and opens local paths that a URI names
/// (<c>qemu+ext</c>, <c>?command=</c>, <c>?netcat=</c>, <c>?socket=</c>, <c>?keyfile=</c>, <c>?pkipath=</c>…), and
/// virsh runs as root, so no query parameter is accepted but one: <c>qemu+tls://…/system?pkipath=/ABSOLUTE/FOLDER</c>,
/// the folder of the CA and client certificate (cacert.pem, clientcert.pem, clientkey.pem) libvirt reads and runs
/// nothing from; a host's ssh settings belong in root's ~/.ssh/config.
/// </summary>
public static partial class LibvirtUri
{
    public const int MaxLength = 512;

    private const string Allowed = "give qemu:///system, or qemu+ssh://, qemu+tls:// or qemu+tcp://[USER@]HOST[:PORT]/system";
    private const int MaxShownLength = 80;

    /// <param name="field">The field (or, from the CLI, the option) the URI came in, named by the sentence.</param>
    /// <param name="problem">The sentence that says what is wrong and what is allowed.</param>
    public static bool TryValidate(string? uri, string field, [NotNullWhen(false)] out string? problem)
    {
        problem = Problem(uri, field);
        return problem is null;
    }

    /// <exception cref="ArgumentException">The URI is not one Lifeboat uses; the message names <paramref name="field"/>.</exception>
    public static string Validate(string? uri, string field) =>
        TryValidate(uri, field, out var problem) ? uri! : throw new ArgumentException(problem);

    private static string? Problem(string? uri, string field)
    {
        if (string.IsNullOrEmpty(uri))
            return $"{field} is empty; {Allowed}.";
        var shown = Shown(uri);
        if (uri.Length > MaxLength || uri.Any(char.IsControl))
            return $"{field} {shown} is not a libvirt connection URI; {Allowed}.";
        var query = uri.IndexOf('?', StringComparison.Ordinal);
        var pkiPath = query >= 0 && uri.StartsWith("qemu+tls://", StringComparison.Ordinal) ? PkiPathParameter().Match(uri[query..]) : Match.Empty;
        if (pkiPath.Success && pkiPath.Groups["folder"].Captures.Any(segment => segment.Value is "." or ".."))
            return $"{field} {shown} gives a pkipath with a '.' or '..' folder in it; {Allowed}, and the certificate folder as an absolute path without them.";
        if (pkiPath.Success)
            uri = uri[..query];
        if (uri.IndexOfAny(['?', '#', '%']) is var at and >= 0)
        {
            return $"{field} {shown} has parameters ({uri[at..Math.Min(uri.Length, at + 40)]}), which libvirt may take as a program or a local path to run or open; "
                + $"{Allowed}, with none but qemu+tls's ?pkipath=/ABSOLUTE/FOLDER (a host's ssh settings belong in root's ~/.ssh/config).";
        }

        var match = Pattern().Match(uri);
        if (!match.Success)
            return $"{field} {shown} is not a libvirt connection Lifeboat uses; {Allowed}.";
        var remote = match.Groups["transport"].Success;
        var host = match.Groups["host"].Success;
        if (remote != host || (!remote && (match.Groups["user"].Success || match.Groups["port"].Success)))
            return $"{field} {shown} is not a libvirt connection Lifeboat uses; {Allowed}.";
        if (match.Groups["port"].Success && int.Parse(match.Groups["port"].Value, CultureInfo.InvariantCulture) is < 1 or > 65535)
            return $"{field} {shown} names a port outside 1 to 65535; {Allowed}.";
        return null;
    }

    private static string Shown(string uri)
    {
        var text = string.Concat(uri.Take(MaxShownLength).Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
        return uri.Length > MaxShownLength ? $"'{text}…' ({uri.Length} characters)" : $"'{text}'";
    }

    // A host never starts with '-' (ssh would take it for an option); a user is a plain login name.
    [GeneratedRegex(
        @"\Aqemu(?<transport>\+(?:ssh|tls|tcp))?://(?:(?<user>[A-Za-z0-9_][A-Za-z0-9._-]{0,63})@)?(?<host>[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]{2,45}\])?(?::(?<port>[0-9]{1,5}))?/system\z",
        RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    // One parameter, an absolute folder of plain names; '.' and '..' segments are refused by the caller.
    [GeneratedRegex(@"\A\?pkipath=(?:/(?<folder>[A-Za-z0-9._-]{1,255}))+/?\z", RegexOptions.CultureInvariant)]
    private static partial Regex PkiPathParameter();
}
