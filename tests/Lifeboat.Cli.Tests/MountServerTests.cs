using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Lifeboat.Cli.Tests;

/// <summary>`lifeboat mount-server` with libnfs's utilities as the clients, and publish/unpublish through its control program.</summary>
public sealed class MountServerTests
{
    [Fact]
    public async Task Publishes_restore_points_that_libnfs_reads_bit_exact_and_keeps_them_across_restarts()
    {
        using var t = new TestFolder();
        var repo = t.Combine("repo");
        TestDisks.Create(t.Combine("disk0.raw"), 8 << 20, seed: 61);
        File.WriteAllText(t.Combine("vm.json"), """{"cpus":2,"memoryMiB":256,"diskBus":"virtio","nicModel":"virtio-net","firmware":"bios"}""");
        LifeboatProcess.Run("repo", "init", repo).ShouldSucceed();
        var first = BackupRestoreStoryTests.RestorePointId(
            LifeboatProcess.Run("backup", "--repo", repo, "--vm", "web", "--disk", t.Combine("disk0.raw"), "--vm-config", t.Combine("vm.json"), "--json").ShouldSucceed());
        var firstHash = TestDisks.Sha256(t.Combine("disk0.raw"));
        TestDisks.Change(t.Combine("disk0.raw"), seed: 62, pieces: 50);
        LifeboatProcess.Run("backup", "--repo", repo, "--vm", "web", "--disk", t.Combine("disk0.raw")).ShouldSucceed();

        var port = FreePorts.Tcp();
        var control = MountServerProcess.ControlSocket(t.Combine("cache"));
        var server = MountServerProcess.Start(repo, t.Combine("cache"), port, "--publish", "web");
        try
        {
            var urls = $"?nfsport={port}&mountport={port}";
            Assert.Contains("disk0.raw", Tool("nfs-ls", $"nfs://127.0.0.1/lifeboat/web{urls}"), StringComparison.Ordinal);
            using (var json = JsonDocument.Parse(Tool("nfs-cat", $"nfs://127.0.0.1/lifeboat/web/lifeboat.json{urls}")))
                Assert.Equal(2, json.RootElement.GetProperty("cpus").GetInt32());
            Tool("nfs-cp", $"nfs://127.0.0.1/lifeboat/web/disk0.raw{urls}", t.Combine("copy-latest.raw"));
            Assert.Equal(TestDisks.Sha256(t.Combine("disk0.raw")), TestDisks.Sha256(t.Combine("copy-latest.raw")));

            using (var published = JsonDocument.Parse(LifeboatProcess.Run("publish", $"web@{first}", "--control-socket", control, "--json").ShouldSucceed().Stdout))
                Assert.Equal("web-2", published.RootElement[0].GetProperty("name").GetString());
            Tool("nfs-cp", $"nfs://127.0.0.1/lifeboat/web-2/disk0-flat.vmdk{urls}", t.Combine("copy-first.raw"));
            Assert.Equal(firstHash, TestDisks.Sha256(t.Combine("copy-first.raw")));
            Assert.Contains("web-2.vmx", Tool("nfs-ls", $"nfs://127.0.0.1/lifeboat/web-2{urls}"), StringComparison.Ordinal);

            // A restart publishes the same folders again.
            await StopAsync(server);
            server = MountServerProcess.Start(repo, t.Combine("cache"), port);
            using (var list = JsonDocument.Parse(LifeboatProcess.Run("publications", "--control-socket", control, "--json").ShouldSucceed().Stdout))
                Assert.Equal(["web", "web-2"], list.RootElement.EnumerateArray().Select(e => e.GetProperty("name").GetString()));

            var cacheFolders = Directory.GetDirectories(t.Combine("cache")).Length;
            LifeboatProcess.Run("unpublish", "web-2", "--control-socket", control).ShouldSucceed();
            Assert.Equal(cacheFolders - 1, Directory.GetDirectories(t.Combine("cache")).Length);
            Assert.DoesNotContain("web-2", Tool("nfs-ls", $"nfs://127.0.0.1/lifeboat{urls}"), StringComparison.Ordinal);
            var missing = LifeboatProcess.Run("unpublish", "web-2", "--control-socket", control);
            Assert.Equal(1, missing.ExitCode);
            Assert.Contains("No publication is named 'web-2'", missing.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            await StopAsync(server);
        }
        LifeboatProcess.Run("verify", "--repo", repo).ShouldSucceed();
    }

    /// <summary>Publications given at start are made before the server listens: no client ever finds the datastore empty.</summary>
    [Fact]
    public async Task An_nfs_ls_as_soon_as_the_port_opens_lists_the_vm_published_at_start()
    {
        using var t = new TestFolder();
        var repo = t.Combine("repo");
        TestDisks.Create(t.Combine("disk0.raw"), 8 << 20, seed: 63);
        LifeboatProcess.Run("repo", "init", repo).ShouldSucceed();
        LifeboatProcess.Run("backup", "--repo", repo, "--vm", "web", "--disk", t.Combine("disk0.raw")).ShouldSucceed();
        var port = FreePorts.Tcp();
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var server = Process.Start(LifeboatProcess.StartInfo(null,
            "mount-server", "--repo", repo, "--cache", t.Combine("cache"), "--nfs-port", $"{port}", "--portmap-port", "0", "--listen", "127.0.0.1", "--nbd-port", "0", "--publish", "web",
            // Its own control socket: at the default path a mount server of another test, or of another run on this machine, makes it exit.
            "--control-socket", MountServerProcess.ControlSocket(t.Combine("cache"))))!;
        server.StandardInput.Close();
        server.OutputDataReceived += (_, e) => output.Enqueue(e.Data ?? "");
        server.ErrorDataReceived += (_, e) => output.Enqueue(e.Data ?? "");
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        try
        {
            var clock = Stopwatch.StartNew();
            while (!TryConnect(port))
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60) && !server.HasExited, $"The mount server did not listen on port {port} within 60 s: {string.Join('\n', output)}");
                Thread.Sleep(2);
            }

            var listing = Tool("nfs-ls", $"nfs://127.0.0.1/lifeboat?nfsport={port}&mountport={port}");
            Assert.True(listing.Split('\n').Any(line => line.EndsWith(" web", StringComparison.Ordinal)),
                $"nfs-ls of the export right after the port opened listed: {listing}{Environment.NewLine}Server: {string.Join('\n', output)}");
        }
        finally
        {
            await StopAsync(server);
        }
    }

    [Fact]
    public async Task A_publish_keeps_its_writes_only_in_the_cache_or_a_writable_folder_named_at_start()
    {
        using var t = new TestFolder();
        var repo = t.Combine("repo");
        TestDisks.Create(t.Combine("disk0.raw"), 1 << 20, seed: 63);
        LifeboatProcess.Run("repo", "init", repo).ShouldSucceed();
        LifeboatProcess.Run("backup", "--repo", repo, "--vm", "web", "--disk", t.Combine("disk0.raw")).ShouldSucceed();
        var writable = Directory.CreateDirectory(t.Combine("writable")).FullName;
        var secret = Directory.CreateDirectory(t.Combine("root-only")).FullName;

        var port = FreePorts.Tcp();
        var control = MountServerProcess.ControlSocket(t.Combine("cache"));
        var server = MountServerProcess.Start(repo, t.Combine("cache"), port, "--writable", writable);
        try
        {
            var outside = LifeboatProcess.Run("publish", "web", "--control-socket", control, "--redirect-writes-to", Path.Combine(secret, "a", "b"));
            Assert.Equal(1, outside.ExitCode);
            Assert.Contains($"redirectWritesTo '{Path.Combine(secret, "a", "b")}' is outside the places Lifeboat may write ({t.Combine("cache")}, {writable})", outside.Stderr, StringComparison.Ordinal);
            Assert.Empty(Directory.GetFileSystemEntries(secret));
            var name = LifeboatProcess.Run("publish", "../../etc", "--control-socket", control);
            Assert.Equal(1, name.ExitCode);
            Assert.Contains("vm '../../etc' is not a VM name", name.Stderr, StringComparison.Ordinal);

            using var published = JsonDocument.Parse(LifeboatProcess.Run("publish", "web", "--control-socket", control, "--redirect-writes-to", Path.Combine(writable, "caches"), "--json").ShouldSucceed().Stdout);
            Assert.StartsWith(Path.Combine(writable, "caches", "web-"), published.RootElement[0].GetProperty("cacheFolder").GetString(), StringComparison.Ordinal);
        }
        finally
        {
            await StopAsync(server);
        }
    }

    [Fact]
    public void Control_requests_without_a_mount_server_say_how_to_start_one()
    {
        var socket = Path.Combine(Path.GetTempPath(), $"lifeboat-none-{Guid.NewGuid():N}.sock");
        var result = LifeboatProcess.Run("publications", "--control-socket", socket);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"No mount server answers on the control socket {socket}; start one with `lifeboat mount-server", result.Stderr, StringComparison.Ordinal);
    }

    private static async Task StopAsync(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
        process.Dispose();
    }

    private static bool TryConnect(int port)
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            probe.Connect(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static string Tool(string program, params string[] arguments)
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
