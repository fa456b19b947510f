using System.Globalization;

namespace Lifeboat.OncRpc.Peers;

/// <summary>
/// The <c>lifeboat</c> group of /etc/group: its members may reach the mount server as root does (its control socket,
/// its exports from unreserved ports). Looked up when asked, so a group made or changed while the server runs counts.
/// </summary>
public sealed class LifeboatGroup
{
    public const string Name = "lifeboat";

    private readonly string _groupFile;
    private readonly string _passwdFile;
    private readonly string _procRoot;

    public LifeboatGroup(string groupFile = "/etc/group", string passwdFile = "/etc/passwd", string procRoot = "/proc")
    {
        _groupFile = groupFile;
        _passwdFile = passwdFile;
        _procRoot = procRoot;
    }

    public static LifeboatGroup System { get; } = new();

    /// <summary>The group's id, or null when the machine has no such group.</summary>
    public uint? Id => FindGroup()?.Gid;

    /// <summary>True for root, and for a user whose primary group is lifeboat or who /etc/group lists in it.</summary>
    public bool IncludesUser(uint uid)
    {
        if (uid == 0)
            return true;
        if (FindGroup() is not { } group)
            return false;
        foreach (var line in ReadLines(_passwdFile))
        {
            // name:password:uid:gid:...
            var fields = line.Split(':');
            if (fields.Length > 3 && ParseId(fields[2]) == uid)
                return ParseId(fields[3]) == group.Gid || group.Members.Contains(fields[0]);
        }

        return false;
    }

    /// <summary>
    /// True when the running process <paramref name="pid"/> has uid 0 or the lifeboat group among its effective or
    /// supplementary groups (the <c>Uid:</c>, <c>Gid:</c> and <c>Groups:</c> lines of /proc/PID/status); false when it has ended.
    /// </summary>
    public bool IncludesProcess(int pid)
    {
        var gid = FindGroup()?.Gid;
        foreach (var line in ReadLines(Path.Combine(_procRoot, pid.ToString(CultureInfo.InvariantCulture), "status")))
        {
            // "Uid:\treal\teffective\tsaved\tfs", likewise Gid; "Groups:\tg1 g2 ..."
            if (line.StartsWith("Uid:", StringComparison.Ordinal) && Field(line, 2) == 0)
                return true;
            if (gid is null)
                continue;
            if (line.StartsWith("Gid:", StringComparison.Ordinal) && Field(line, 2) == gid)
                return true;
            if (line.StartsWith("Groups:", StringComparison.Ordinal))
                return line["Groups:".Length..].Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries).Any(g => ParseId(g) == gid);
        }

        return false;
    }

    private (uint Gid, HashSet<string> Members)? FindGroup()
    {
        foreach (var line in ReadLines(_groupFile))
        {
            // name:password:gid:member,member
            var fields = line.Split(':');
            if (fields.Length > 3 && fields[0] == Name && ParseId(fields[2]) is { } gid)
                return (gid, fields[3].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal));
        }

        return null;
    }

    private static uint? Field(string line, int index)
    {
        var fields = line.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        return fields.Length > index ? ParseId(fields[index]) : null;
    }

    private static uint? ParseId(string text) =>
        uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;

    private static IEnumerable<string> ReadLines(string path)
    {
        try
        {
            return File.ReadAllLines(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException or IOException)
        {
            return [];
        }
    }
}
