using System.Net.Http.Json;
using Lifeboat.Server.Api;

namespace Lifeboat.Server.Tests.Support;

/// <summary>
/// Checks that a session left nothing behind: no QEMU or other process of its folders, no publication, no cache, no
/// runtime folder, no network namespace (a namespace lives only while a process is in it or /run/netns holds it).
/// </summary>
public static class Leftovers
{
    public static async Task AssertNoneAsync(ServerProcess server, SessionView session)
    {
        Assert.False(session.VmRunning, "the VM still runs");
        if (session.RuntimeDirectory is { } runtime)
        {
            Assert.Null(Sessions.VmRuntimeFolder.RunningProcess(runtime));
            Assert.False(Directory.Exists(runtime), $"{runtime} is still there");
        }

        if (session.CacheFolder is { } cache)
            Assert.False(Directory.Exists(cache), $"{cache} is still there");
        var info = await server.Http.GetFromJsonAsync("api/server", ContractsJsonContext.Default.ServerInfoView);
        Assert.Equal(0, info!.Publications);
        var cacheRoot = Path.Combine(server.DataDirectory, "cache");
        Assert.Equal(["publications.json"], Directory.EnumerateFileSystemEntries(cacheRoot).Select(Path.GetFileName));
        var runRoot = Path.Combine(server.DataDirectory, "run");
        Assert.True(!Directory.Exists(runRoot) || !Directory.EnumerateFileSystemEntries(runRoot).Any(), "a VM runtime folder is left");
        Assert.All(session.ProductionDisks, path => Assert.False(File.Exists(path), $"{path} is still there"));
        Assert.Empty(ProcessesOf(server));
        if (Directory.Exists("/run/netns"))
            Assert.DoesNotContain(Directory.EnumerateFileSystemEntries("/run/netns"), n => n.Contains(session.Id, StringComparison.Ordinal));
    }

    /// <summary>Processes other than the server whose command line names its data folder (QEMU, or any helper a session starts).</summary>
    private static List<string> ProcessesOf(ServerProcess server) =>
        [.. ProcessTree.WithCommandLineContaining(server.DataDirectory)
            .Where(process => process.Id != server.ProcessId && process.Id != Environment.ProcessId)
            .Select(process => $"{process.Id}: {process.CommandLine}")];
}
