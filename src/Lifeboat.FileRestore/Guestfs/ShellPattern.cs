using System.Text;

namespace Lifeboat.FileRestore.Guestfs;

/// <summary>A shell name pattern (<c>*</c>, <c>?</c>, <c>[abc]</c>, <c>[a-z]</c>, <c>[!x]</c>) matched against a name's raw bytes.</summary>
internal sealed class ShellPattern
{
    private readonly byte[] _pattern;

    public ShellPattern(string pattern)
    {
        if (string.IsNullOrEmpty(pattern))
            throw new FileRestoreException("The name pattern is empty; give one such as *.conf.", "pattern");
        if (pattern.Contains('/', StringComparison.Ordinal))
            throw new FileRestoreException($"The name pattern '{pattern}' contains '/'; it matches one name, so give a folder to search under instead.", "pattern");
        _pattern = Encoding.UTF8.GetBytes(pattern);
    }

    public bool Matches(ReadOnlySpan<byte> name) => Match(_pattern, name);

    private static bool Match(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> name)
    {
        // Iterative with one backtrack point per '*', as fnmatch does: linear in practice, no recursion on hostile names.
        int p = 0, n = 0, starP = -1, starN = 0;
        while (n < name.Length)
        {
            if (p < pattern.Length && pattern[p] == (byte)'*')
            {
                starP = p++;
                starN = n;
                continue;
            }

            if (p < pattern.Length && MatchOne(pattern, ref p, name[n]))
            {
                n++;
                continue;
            }

            if (starP < 0)
                return false;
            p = starP + 1;
            n = ++starN;
        }

        while (p < pattern.Length && pattern[p] == (byte)'*')
            p++;
        return p == pattern.Length;
    }

    /// <summary>Whether the pattern element at <paramref name="p"/> matches <paramref name="value"/>; advances past it when it does.</summary>
    private static bool MatchOne(ReadOnlySpan<byte> pattern, ref int p, byte value)
    {
        var c = pattern[p];
        if (c == (byte)'?')
        {
            p++;
            return true;
        }

        if (c == (byte)'[')
        {
            var close = pattern[(p + 1)..].IndexOf((byte)']');
            if (close > 0 || (close == 0 && pattern[(p + 2)..].IndexOf((byte)']') >= 0))
            {
                var end = close > 0 ? p + 1 + close : p + 2 + pattern[(p + 2)..].IndexOf((byte)']');
                var set = pattern[(p + 1)..end];
                var negate = set.Length > 0 && (set[0] == (byte)'!' || set[0] == (byte)'^');
                if (negate)
                    set = set[1..];
                var found = false;
                for (var i = 0; i < set.Length; i++)
                {
                    if (i + 2 < set.Length && set[i + 1] == (byte)'-')
                    {
                        found |= value >= set[i] && value <= set[i + 2];
                        i += 2;
                    }
                    else
                    {
                        found |= value == set[i];
                    }
                }

                if (found == negate)
                    return false;
                p = end + 1;
                return true;
            }
        }

        if (c == (byte)'\\' && p + 1 < pattern.Length)
        {
            if (pattern[p + 1] != value)
                return false;
            p += 2;
            return true;
        }

        if (c != value)
            return false;
        p++;
        return true;
    }
}
