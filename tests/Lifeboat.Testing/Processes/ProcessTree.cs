using System.Globalization;

namespace Lifeboat.Testing.Processes;

/// <summary>The processes a process started and theirs in turn, read from /proc (every thread's children).</summary>
public static class ProcessTree
{
    public static IReadOnlyList<RunningProcess> Descendants(int processId)
    {
        var found = new List<RunningProcess>();
        Collect(processId, found);
        return found;
    }

    /// <summary>Every running process whose command line contains <paramref name="text"/>.</summary>
    public static IReadOnlyList<RunningProcess> WithCommandLineContaining(string text) =>
        [.. Directory.EnumerateDirectories("/proc")
            .Select(Path.GetFileName)
            .Where(name => name is { Length: > 0 } && name.All(char.IsAsciiDigit))
            .Select(name => int.Parse(name!, CultureInfo.InvariantCulture))
            .Select(RunningProcess.Read)
            .OfType<RunningProcess>()
            .Where(process => process.CommandLine.Contains(text, StringComparison.Ordinal))];

    /// <summary>The command line of process <paramref name="processId"/>, or "" once it is gone.</summary>
    public static string CommandLineOf(int processId)
    {
        try
        {
            return File.ReadAllText($"/proc/{processId}/cmdline").TrimEnd('\0').Replace('\0', ' ');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Exited meanwhile, or not ours to read.
            return "";
        }
    }

    private static void Collect(int processId, List<RunningProcess> found)
    {
        string[] tasks;
        try
        {
            tasks = Directory.GetDirectories($"/proc/{processId}/task");
        }
        catch (IOException)
        {
            return;
        }

        foreach (var task in tasks)
        {
            string children;
            try
            {
                children = File.ReadAllText(Path.Combine(task, "children"));
            }
            catch (IOException)
            {
                continue;
            }

            foreach (var child in children.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(id => int.Parse(id, CultureInfo.InvariantCulture)))
            {
                if (RunningProcess.Read(child) is { } process)
                    found.Add(process);
                Collect(child, found);
            }
        }
    }
}
