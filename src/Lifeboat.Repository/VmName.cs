using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Lifeboat.Repository;

/// <summary>
/// The one grammar of a VM's name. A name becomes part of paths (write caches, runtime folders, publications,
/// production disks), so it is checked wherever it enters, before any path is built from it.
/// </summary>
public static class VmName
{
    public const int MaxLength = 128;

    public const string Grammar = "1 to 128 letters, digits, '.', '_' or '-', the first a letter or digit";

    // A refused name is shown in messages, logs and the audit; a hostile one must not make them long.
    private const int MaxShownLength = 40;

    public static bool IsValid([NotNullWhen(true)] string? name)
    {
        if (name is not { Length: > 0 and <= MaxLength } || !char.IsAsciiLetterOrDigit(name[0]))
            return false;
        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '_' or '-'))
                return false;
        }
        return true;
    }

    /// <param name="field">The field (or, from the CLI, the option) the name came in, named by the sentence.</param>
    /// <param name="problem">The sentence that says what is wrong and what is allowed.</param>
    public static bool TryValidate(string? name, string field, [NotNullWhen(false)] out string? problem)
    {
        problem = IsValid(name) ? null : $"{field} {Shown(name)} is not a VM name; give {Grammar}.";
        return problem is null;
    }

    /// <exception cref="ArgumentException">The name does not follow the grammar; the message names <paramref name="field"/>.</exception>
    public static string Validate(string? name, string field) =>
        TryValidate(name, field, out var problem) ? name! : throw new ArgumentException(problem);

    /// <summary>The name quoted for a message: control characters escaped, cut short when long.</summary>
    public static string Shown(string? name)
    {
        if (name is null)
            return "(missing)";
        var text = new StringBuilder("'");
        foreach (var c in name.Length > MaxShownLength ? name[..MaxShownLength] : name)
            text.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c);
        return text.Append(name.Length > MaxShownLength ? $"…' ({name.Length} characters)" : "'").ToString();
    }
}
