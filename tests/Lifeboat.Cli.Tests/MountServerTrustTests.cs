using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;

namespace Lifeboat.Cli.Tests;

/// <summary>
/// `lifeboat mount-server` against a local user who is not root (nobody, through setpriv): its control socket, its
/// NFS and NBD exports refuse them, nothing they try writes anything, and root's own tools still work.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class MountServerTrustTests
{
    private const string Refused = "run as root or join group lifeboat";

    [Fact]
    public async Task Nobody_can_neither_control_nor_read_nor_write_and_root_still_can()
    {
        using var t = new TestFolder();
        var repo = t.Combine("repo");
        TestDisks.Create(t.Combine("disk0.raw"), 4 << 20, seed: 91);
        File.SetUnixFileMode(t.Combine("disk0.raw"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        LifeboatProcess.Run("repo", "init", repo).ShouldSucceed();
        LifeboatProcess.Run("backup", "--repo", repo, "--vm", "web", "--disk", t.Combine("disk0.raw")).ShouldSucceed();

        var log = new ConcurrentQueue<string>();
        var port = FreePorts.Tcp();
        var nbdPort = FreePorts.Tcp();
        var server = MountServerProcess.Start(repo, t.Combine("cache"), port, log.Enqueue, "--nbd-port", nbdPort.ToString(CultureInfo.InvariantCulture), "--publish", "web");
        var control = MountServerProcess.ControlSocket(t.Combine("cache"));
        var nfs = $"nfs://127.0.0.1/lifeboat/web/disk0.raw?nfsport={port}&mountport={port}";
        var nbd = $"nbd://127.0.0.1:{nbdPort}/web/disk0";
        try
        {
            // No group lifeboat on this machine: the socket is root's alone.
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(control));
            var before = Contents(t.Combine("cache"));

            foreach (var verb in new[] { new[] { "publications" }, ["publish", "web"], ["unpublish", "web"] })
            {
                var result = await Tools.RunAsNobodyAsync("dotnet", [LifeboatDll, .. verb, "--control-socket", control]);
                Assert.True(result.ExitCode == 1, $"lifeboat {verb[0]} as nobody: exit {result.ExitCode}: {result.Output}");
                Assert.Contains($"Access to the mount server's control socket {control} is denied; {Refused}.", result.Output, StringComparison.Ordinal);
            }

            var info = await Tools.RunAsNobodyAsync("nbdinfo", nbd);
            var list = await Tools.RunAsNobodyAsync("nbdinfo", "--list", $"nbd://127.0.0.1:{nbdPort}");
            var nbdWrite = await Tools.RunAsNobodyAsync("qemu-io", "-f", "raw", "-c", "write -P 0x66 0 64k", nbd);
            var nfsRead = await Tools.RunAsNobodyAsync("nfs-cat", nfs);
            var nfsWrite = await Tools.RunAsNobodyAsync("nfs-cp", t.Combine("disk0.raw"), nfs);
            foreach (var (name, result) in new[] { ("nbdinfo", info), ("nbdinfo --list", list), ("qemu-io over NBD", nbdWrite), ("nfs-cat", nfsRead), ("nfs-cp", nfsWrite) })
                Assert.True(result.ExitCode != 0, $"{name} as nobody succeeded: {result.Output}");
            Assert.Contains("server replied with error to opt_go request", info.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("export-size", info.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("web/disk0", list.Output, StringComparison.Ordinal);

            Assert.Equal(before, Contents(t.Combine("cache")));
            Assert.Contains(log, l => l.Contains("may open no export", StringComparison.Ordinal));
            Assert.Contains(log, l => l.Contains("MNT of /lifeboat/web from 127.0.0.1:", StringComparison.Ordinal) && l.Contains("(socket of uid 65534)", StringComparison.Ordinal));

            // Root: the control socket, NBD from an ordinary port (its socket is root's) and libnfs from a reserved one.
            Assert.Contains("web", LifeboatProcess.Run("publications", "--control-socket", control).ShouldSucceed().Stdout, StringComparison.Ordinal);
            Assert.Contains("export-size: 4194304", MountServerNbdTests.Tool("nbdinfo", nbd), StringComparison.Ordinal);
            Assert.Equal(TestDisks.Sha256(t.Combine("disk0.raw")), Convert.ToHexStringLower(SHA256.HashData(await ToolBytesAsync("nfs-cat", nfs))));
        }
        finally
        {
            await StopAsync(server);
        }
    }

    [Fact]
    public async Task A_control_socket_open_to_everyone_still_refuses_nobody_call_by_call_and_logs_it()
    {
        using var t = new TestFolder();
        var repo = t.Combine("repo");
        TestDisks.Create(t.Combine("disk0.raw"), 1 << 20, seed: 92);
        LifeboatProcess.Run("repo", "init", repo).ShouldSucceed();
        LifeboatProcess.Run("backup", "--repo", repo, "--vm", "app", "--disk", t.Combine("disk0.raw")).ShouldSucceed();
        var log = new ConcurrentQueue<string>();
        var server = MountServerProcess.Start(repo, t.Combine("cache"), FreePorts.Tcp(), log.Enqueue, "--publish", "app");
        var control = MountServerProcess.ControlSocket(t.Combine("cache"));
        try
        {
            // An admin's mistake: the file mode no longer keeps anyone out, so the credentials of each call must.
            File.SetUnixFileMode(control, (UnixFileMode)0x1B6);
            var list = await Tools.RunAsNobodyAsync("dotnet", LifeboatDll, "publications", "--control-socket", control);
            var unpublish = await Tools.RunAsNobodyAsync("dotnet", LifeboatDll, "unpublish", "app", "--control-socket", control);

            foreach (var result in new[] { list, unpublish })
            {
                Assert.Equal(1, result.ExitCode);
                Assert.Contains("AUTH_ERROR TooWeak", result.Output, StringComparison.Ordinal);
                Assert.Contains(Refused, result.Output, StringComparison.Ordinal);
            }

            Assert.Contains("app", LifeboatProcess.Run("publications", "--control-socket", control).ShouldSucceed().Stdout, StringComparison.Ordinal);
            Assert.Contains(log, l => l.Contains("Control call List refused for unix socket peer pid ", StringComparison.Ordinal) && l.Contains(" uid 65534 ", StringComparison.Ordinal));
            Assert.Contains(log, l => l.Contains("Control unpublish of app by uid 65534 pid ", StringComparison.Ordinal) && l.Contains("refused", StringComparison.Ordinal));
        }
        finally
        {
            await StopAsync(server);
        }
    }

    private static string LifeboatDll => NobodyReadableCli.LifeboatDll;

    /// <summary>Every file under <paramref name="folder"/> with its length and content hash (the length alone of a file the server holds locked).</summary>
    internal static string[] Contents(string folder) =>
        [.. Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(path => $"{path} {new FileInfo(path).Length} {Hash(path)}")];

    private static string Hash(string path)
    {
        try
        {
            return Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
        }
        catch (IOException)
        {
            return "locked";
        }
    }

    internal static async Task<byte[]> ToolBytesAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments)
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        using var output = new MemoryStream();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.BaseStream.CopyToAsync(output);
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{program} failed: {await stderr}");
        return output.ToArray();
    }

    internal static async Task StopAsync(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }
}
