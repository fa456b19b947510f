using System.Diagnostics;
using System.Text.Json;

namespace Lifeboat.Cli.Tests;

/// <summary>
/// `lifeboat mount-server --nbd-port`: every published disk is also an NBD export, the same disk and write cache
/// as its NFS file. Clients: qemu-io, nbdinfo and nbdcopy over NBD; libnfs's nfs-cp and QEMU's nfs:// driver
/// (through portmap on port 111, hence the lock) over NFS.
/// </summary>
public sealed class MountServerNbdTests
{
    private const int MiB = 1 << 20;

    [Fact]
    public async Task Nbd_and_nfs_serve_the_same_bytes_and_see_each_others_writes()
    {
        using var t = new TestFolder();
        var repo = t.Combine("repo");
        TestDisks.Create(t.Combine("disk0.raw"), 4 * MiB, seed: 81);
        LifeboatProcess.Run("repo", "init", repo).ShouldSucceed();
        LifeboatProcess.Run("backup", "--repo", repo, "--vm", "db", "--disk", t.Combine("disk0.raw")).ShouldSucceed();

        using var port111 = new Port111Lock();
        var port = FreePorts.Tcp();
        var nbdPort = FreePorts.Tcp();
        var server = MountServerProcess.Start(repo, t.Combine("cache"), port, "--portmap-port", "111",
            "--nbd-port", nbdPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--publish", "db");
        try
        {
            var nfs = $"nfs://127.0.0.1/lifeboat/db/disk0.raw?nfsport={port}&mountport={port}";
            var nbd = $"nbd://127.0.0.1:{nbdPort}/db/disk0";
            using (var list = JsonDocument.Parse(Tool("nbdinfo", "--list", "--json", $"nbd://127.0.0.1:{nbdPort}")))
                Assert.Equal(["db/disk0"], list.RootElement.GetProperty("exports").EnumerateArray().Select(e => e.GetProperty("export-name").GetString()));

            Tool("nbdcopy", nbd, t.Combine("over-nbd.raw"));
            Assert.Equal(TestDisks.Sha256(t.Combine("disk0.raw")), TestDisks.Sha256(t.Combine("over-nbd.raw")));

            // TestDisks leaves [512K, 1M) of every MiB zero: base:allocation reports it from the block map.
            using (var map = JsonDocument.Parse(Tool("nbdinfo", "--map", "--json", nbd)))
            {
                var extents = map.RootElement.EnumerateArray().Select(e => (Offset: e.GetProperty("offset").GetInt64(), Length: e.GetProperty("length").GetInt64(), Type: e.GetProperty("type").GetInt32())).ToArray();
                Assert.Contains((512L * 1024, 512L * 1024, 3), extents);
                Assert.Contains((0L, 512L * 1024, 0), extents);
                Assert.Equal(4L * MiB, extents.Sum(e => e.Length));
            }

            // Written over NBD, read over NFS.
            Tool("qemu-io", "-f", "raw", "-c", "write -P 0x5c 520k 64k", "-c", "flush", nbd);
            Tool("nfs-cp", nfs, t.Combine("over-nfs.raw"));
            var overNfs = await File.ReadAllBytesAsync(t.Combine("over-nfs.raw"));
            Assert.All(overNfs.AsSpan(520 * 1024, 64 * 1024).ToArray(), b => Assert.Equal(0x5c, b));
            using (var map = JsonDocument.Parse(Tool("nbdinfo", "--map", "--json", nbd)))
                Assert.Contains(map.RootElement.EnumerateArray(), e => e.GetProperty("offset").GetInt64() <= 520 * 1024 && e.GetProperty("type").GetInt32() == 0
                    && e.GetProperty("offset").GetInt64() + e.GetProperty("length").GetInt64() >= 584 * 1024);

            // Written over NFS (QEMU's nfs:// driver finds MOUNT and NFS through portmap), read over NBD.
            Tool("qemu-io", "-f", "raw", "-c", $"write -P 0xa7 {3 * MiB} 100000", "-c", "flush", "nfs://127.0.0.1/lifeboat/db/disk0.raw");
            var read = Tool("qemu-io", "-f", "raw", "-r", "-c", $"read -P 0xa7 {3 * MiB} 100000", "-c", "read -P 0x5c 520k 64k", nbd);
            Assert.DoesNotContain("Pattern verification failed", read, StringComparison.Ordinal);
        }
        finally
        {
            if (!server.HasExited)
                server.Kill();
            await server.WaitForExitAsync();
            server.Dispose();
        }
    }

    [Fact]
    public async Task Nbd_follows_the_allow_list_of_nfs()
    {
        using var t = new TestFolder();
        var repo = t.Combine("repo");
        TestDisks.Create(t.Combine("disk0.raw"), MiB, seed: 82);
        LifeboatProcess.Run("repo", "init", repo).ShouldSucceed();
        LifeboatProcess.Run("backup", "--repo", repo, "--vm", "db", "--disk", t.Combine("disk0.raw")).ShouldSucceed();
        var nbdPort = FreePorts.Tcp();
        var server = MountServerProcess.Start(repo, t.Combine("cache"), FreePorts.Tcp(),
            "--nbd-port", nbdPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--allow", "10.9.8.0/24", "--publish", "db");
        try
        {
            var start = new ProcessStartInfo("nbdinfo") { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add($"nbd://127.0.0.1:{nbdPort}/db/disk0");
            using var nbdinfo = Process.Start(start)!;
            await nbdinfo.WaitForExitAsync();
            Assert.NotEqual(0, nbdinfo.ExitCode);
        }
        finally
        {
            if (!server.HasExited)
                server.Kill();
            await server.WaitForExitAsync();
            server.Dispose();
        }
    }

    [Fact]
    public async Task With_nbd_tls_options_publications_list_nbds_urls_that_nbdcopy_reads_and_plain_nbd_is_refused()
    {
        using var t = new TestFolder();
        var repo = t.Combine("repo");
        TestDisks.Create(t.Combine("disk0.raw"), 2 * MiB, seed: 83);
        LifeboatProcess.Run("repo", "init", repo).ShouldSucceed();
        LifeboatProcess.Run("backup", "--repo", repo, "--vm", "db", "--disk", t.Combine("disk0.raw")).ShouldSucceed();
        var pki = TlsCredentials.Create(t.Combine("pki"));
        var nbdPort = FreePorts.Tcp().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var server = MountServerProcess.Start(repo, t.Combine("cache"), FreePorts.Tcp(), "--nbd-port", nbdPort,
            "--nbd-tls-cert", pki.ServerCertificatePath, "--nbd-tls-key", pki.ServerKeyPath, "--nbd-tls-ca", pki.CaPath, "--publish", "db");
        try
        {
            var listed = LifeboatProcess.Run("publications", "--json", "--control-socket", MountServerProcess.ControlSocket(t.Combine("cache"))).ShouldSucceed().Stdout;
            using (var publications = JsonDocument.Parse(listed))
                Assert.Equal($"nbds://127.0.0.1:{nbdPort}/db/disk0", publications.RootElement[0].GetProperty("nbdUrls")[0].GetString());

            Tool("nbdcopy", $"nbds://127.0.0.1:{nbdPort}/db/disk0?tls-certificates={pki.Directory}", t.Combine("over-tls.raw"));
            Assert.Equal(TestDisks.Sha256(t.Combine("disk0.raw")), TestDisks.Sha256(t.Combine("over-tls.raw")));
            var (exit, output) = await Tools.RunAsync("nbdinfo", $"nbd://127.0.0.1:{nbdPort}/db/disk0");
            Assert.True(exit != 0, output);
        }
        finally
        {
            if (!server.HasExited)
                server.Kill();
            await server.WaitForExitAsync();
            server.Dispose();
        }

        var noKey = LifeboatProcess.Run("mount-server", "--repo", repo, "--cache", t.Combine("cache2"), "--nbd-tls-cert", pki.ServerCertificatePath);
        Assert.NotEqual(0, noKey.ExitCode);
        Assert.Contains("--nbd-tls-key", noKey.Stderr, StringComparison.Ordinal);
        var missing = LifeboatProcess.Run("mount-server", "--repo", repo, "--cache", t.Combine("cache2"), "--nbd-tls-cert", t.Combine("none.pem"), "--nbd-tls-key", pki.ServerKeyPath);
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains(t.Combine("none.pem"), missing.Stderr, StringComparison.Ordinal);
    }

    internal static string Tool(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments)
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)} failed: {stderr}");
        return stdout.Result;
    }
}
