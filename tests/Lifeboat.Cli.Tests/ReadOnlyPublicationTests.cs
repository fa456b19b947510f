using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;

namespace Lifeboat.Cli.Tests;

/// <summary>
/// `lifeboat mount-server --publish VM --read-only` with root's own tools: writes over NFS (nfs-cp) and NBD (qemu-io,
/// over TCP and the unix socket) fail with the cache folder unchanged, reads are bit-exact, nbdinfo sees a read-only
/// export, and the publication is still read-only after a restart. The NBD socket lets root in and keeps nobody out,
/// by its mode and, when that is opened to everyone, by the peer's credentials.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ReadOnlyPublicationTests
{
    [Fact]
    public async Task Root_cannot_write_a_read_only_publication_over_NFS_or_NBD_reads_it_bit_exact_and_it_stays_read_only_after_a_restart()
    {
        using var t = new TestFolder();
        var repo = t.Combine("repo");
        TestDisks.Create(t.Combine("disk0.raw"), 4 << 20, seed: 93);
        var sha = TestDisks.Sha256(t.Combine("disk0.raw"));
        TestDisks.Create(t.Combine("other.raw"), 4 << 20, seed: 94);
        LifeboatProcess.Run("repo", "init", repo).ShouldSucceed();
        LifeboatProcess.Run("backup", "--repo", repo, "--vm", "web", "--disk", t.Combine("disk0.raw")).ShouldSucceed();

        var port = FreePorts.Tcp();
        var nbdPort = FreePorts.Tcp().ToString(CultureInfo.InvariantCulture);
        var control = MountServerProcess.ControlSocket(t.Combine("cache"));
        var socket = Path.Combine(Path.GetDirectoryName(control)!, "control-nbd.sock");
        var nfs = $"nfs://127.0.0.1/lifeboat/web/disk0.raw?nfsport={port}&mountport={port}";
        var nbd = $"nbd://127.0.0.1:{nbdPort}/web/disk0";
        var nbdUnix = $"nbd+unix:///web/disk0?socket={socket}";
        var log = new ConcurrentQueue<string>();
        var server = MountServerProcess.Start(repo, t.Combine("cache"), port, log.Enqueue, "--nbd-port", nbdPort, "--publish", "web", "--read-only");
        try
        {
            var listed = LifeboatProcess.Run("publications", "--control-socket", control).ShouldSucceed().Stdout;
            Assert.Contains("web: VM web, restore point ", listed, StringComparison.Ordinal);
            Assert.Contains(", read-only", listed, StringComparison.Ordinal);
            Assert.Contains(nbdUnix, listed, StringComparison.Ordinal);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(socket));

            var before = MountServerTrustTests.Contents(t.Combine("cache"));
            await AssertWritesFailAsync(t.Combine("other.raw"), nfs, nbd, nbdUnix);
            Assert.Contains("is_read_only: true", MountServerNbdTests.Tool("nbdinfo", nbd), StringComparison.Ordinal);
            var info = MountServerNbdTests.Tool("nbdinfo", nbdUnix);
            Assert.Contains("is_read_only: true", info, StringComparison.Ordinal);
            Assert.Contains("export-size: 4194304", info, StringComparison.Ordinal);
            Assert.Equal(sha, Convert.ToHexStringLower(SHA256.HashData(await MountServerTrustTests.ToolBytesAsync("nfs-cat", nfs))));
            MountServerNbdTests.Tool("nbdcopy", nbdUnix, t.Combine("over-unix.raw"));
            Assert.Equal(sha, TestDisks.Sha256(t.Combine("over-unix.raw")));
            Assert.Equal(before, MountServerTrustTests.Contents(t.Combine("cache")));

            // Nobody: kept out by the socket's mode, and by its credentials when an admin opens the mode to everyone.
            var refused = await Tools.RunAsNobodyAsync("nbdinfo", nbdUnix);
            Assert.True(refused.ExitCode != 0, $"nbdinfo over the unix socket as nobody succeeded: {refused.Output}");
            Assert.Contains("Permission denied", refused.Output, StringComparison.Ordinal);
            File.SetUnixFileMode(socket, (UnixFileMode)0x1B6);
            var policy = await Tools.RunAsNobodyAsync("nbdinfo", nbdUnix);
            Assert.True(policy.ExitCode != 0, $"nbdinfo over a 0666 unix socket as nobody succeeded: {policy.Output}");
            Assert.Contains("server replied with error to opt_go request", policy.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("export-size", policy.Output, StringComparison.Ordinal);
            // The server's console logger writes the line on its own thread, so it may reach us after nbdinfo has exited.
            Assert.True(await LogShowsAsync(log, "may open no export"), "the refusal of nobody's NBD connection was not logged within 10 s");
        }
        finally
        {
            await MountServerTrustTests.StopAsync(server);
        }

        // Restarted with neither --publish nor --read-only: the catalog keeps it read-only.
        server = MountServerProcess.Start(repo, t.Combine("cache"), port, "--nbd-port", nbdPort);
        try
        {
            Assert.Contains(", read-only", LifeboatProcess.Run("publications", "--control-socket", control).ShouldSucceed().Stdout, StringComparison.Ordinal);
            var before = MountServerTrustTests.Contents(t.Combine("cache"));
            await AssertWritesFailAsync(t.Combine("other.raw"), nfs, nbd, nbdUnix);
            Assert.Contains("is_read_only: true", MountServerNbdTests.Tool("nbdinfo", nbdUnix), StringComparison.Ordinal);
            Assert.Equal(sha, Convert.ToHexStringLower(SHA256.HashData(await MountServerTrustTests.ToolBytesAsync("nfs-cat", nfs))));
            Assert.Equal(before, MountServerTrustTests.Contents(t.Combine("cache")));
        }
        finally
        {
            await MountServerTrustTests.StopAsync(server);
        }
    }

    private static async Task<bool> LogShowsAsync(ConcurrentQueue<string> log, string text)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!log.Any(l => l.Contains(text, StringComparison.Ordinal)))
        {
            if (DateTime.UtcNow > deadline)
                return false;
            await Task.Delay(50);
        }

        return true;
    }

    private static async Task AssertWritesFailAsync(string source, string nfs, string nbd, string nbdUnix)
    {
        var nfsWrite = await Tools.RunAsync("nfs-cp", source, nfs);
        var tcpWrite = await Tools.RunAsync("qemu-io", "-f", "raw", "-c", "write -P 0x66 0 64k", "-c", "flush", nbd);
        var unixWrite = await Tools.RunAsync("qemu-io", "-f", "raw", "-c", "write -z 0 64k", "-c", "discard 64k 64k", nbdUnix);
        foreach (var (name, result) in new[] { ("nfs-cp", nfsWrite), ("qemu-io over NBD", tcpWrite), ("qemu-io over nbd+unix", unixWrite) })
            Assert.True(result.ExitCode != 0, $"{name} as root wrote to a read-only publication: {result.Output}");
    }
}
