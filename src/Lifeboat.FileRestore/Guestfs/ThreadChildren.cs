using System.Globalization;
using System.Runtime.InteropServices;

namespace Lifeboat.FileRestore.Guestfs;

/// <summary>
/// The processes one thread of this process started, with their descendants: the kernel records which thread forked a
/// child (/proc/self/task/TID/children). libguestfs starts supermin, QEMU and its recovery process from the thread that
/// launches the appliance; killing them is the one way to end a launch (it blocks in C and has no cancel call) or a call
/// the appliance no longer answers.
/// </summary>
internal static partial class ThreadChildren
{
    private const int SigKill = 9;
    private const int SigStop = 19;

    /// <summary>The calling thread's id as the kernel knows it (not a managed thread id).</summary>
    public static int CurrentThreadId() => GetTid();

    /// <summary>Kills every process thread <paramref name="threadId"/> of this process started, and their descendants; returns how many.</summary>
    public static int KillAll(int threadId)
    {
        if (threadId <= 0)
            return 0;
        var killed = 0;
        foreach (var child in Read($"/proc/self/task/{threadId}/children"))
            killed += KillTree(child);
        return killed;
    }

    private static int KillTree(int processId)
    {
        // Stopped before its children are listed, so it cannot start one in between (nor reap one whose number is then reused).
        if (Kill(processId, SigStop) != 0)
            return 0;
        var killed = 1;
        foreach (var task in Tasks(processId))
        {
            foreach (var child in Read($"/proc/{processId}/task/{task}/children"))
                killed += KillTree(child);
        }

        _ = Kill(processId, SigKill);
        return killed;
    }

    private static IEnumerable<string> Tasks(int processId)
    {
        try
        {
            return [.. Directory.EnumerateDirectories($"/proc/{processId}/task").Select(Path.GetFileName).OfType<string>()];
        }
        catch (IOException)
        {
            return [];
        }
    }

    private static List<int> Read(string childrenFile)
    {
        string text;
        try
        {
            text = File.ReadAllText(childrenFile);
        }
        catch (IOException)
        {
            // The thread or process has ended: it has no children left to kill.
            return [];
        }

        return [.. text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(id => int.Parse(id, CultureInfo.InvariantCulture))];
    }

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int GetTid();

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int processId, int signal);
}
