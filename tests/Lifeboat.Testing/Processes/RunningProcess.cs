using System.Globalization;

namespace Lifeboat.Testing.Processes;

/// <summary>
/// One process as seen once: its id, when it started (clock ticks since boot, which tells it from a later process given
/// the same id), and its command line then (arguments joined by spaces; a child forked but not yet exec'd shows its parent's).
/// </summary>
public sealed record RunningProcess(int Id, long StartTicks, string CommandLine)
{
    /// <summary>True while this process still runs; false once it is gone or a zombie.</summary>
    public bool IsRunning => Stat(Id) is { } now && now.StartTicks == StartTicks && now.State is not ('Z' or 'X');

    /// <summary>Process <paramref name="id"/> as it is now, or null once it is gone.</summary>
    public static RunningProcess? Read(int id) =>
        Stat(id) is { } stat ? new RunningProcess(id, stat.StartTicks, ProcessTree.CommandLineOf(id)) : null;

    private static (char State, long StartTicks)? Stat(int id)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{id}/stat");
        }
        catch (IOException)
        {
            return null;
        }

        // After the command's name in parentheses: field 3 (state) first, field 22 (start time) 19 fields on.
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        return (fields[0][0], long.Parse(fields[19], CultureInfo.InvariantCulture));
    }
}
