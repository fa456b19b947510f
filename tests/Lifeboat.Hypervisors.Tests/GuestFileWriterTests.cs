using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Lifeboat.Hypervisors.Qemu;
using Lifeboat.Hypervisors.Qemu.GuestAgent;
using Lifeboat.Hypervisors.Qemu.Host;
using Xunit.Abstractions;

namespace Lifeboat.Hypervisors.Tests;

/// <summary>Files written into the running test guest through the real qemu-ga, read back in the guest.</summary>
[Collection(GuestCollection.Name)]
public sealed class GuestFileWriterTests(GuestImage guest, ITestOutputHelper output)
{
    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(180);
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Files_arrive_whole_in_any_chunk_size_with_owner_mode_time_and_links_and_an_existing_file_is_not_overwritten_unless_asked()
    {
        using var folder = new TestDirectory();
        var overlay = await guest.CreateOverlayAsync(folder.Path);
        await using var vm = await new QemuLauncher().StartAsync(new QemuVmDescription
        {
            Name = "restore-target",
            MemoryMiB = guest.MemoryMiB,
            Disks = [new QemuDisk(overlay) { Format = QemuDiskFormat.Qcow2 }],
            GuestAgent = true,
            FirmwareConfig = new Dictionary<string, string> { [GuestImage.ModeEntry] = "stay" },
        }, folder.Combine("vm"));
        await vm.WaitForAgentAsync(BootTimeout);
        await using var running = new QemuRunningVm("restore-target", vm.Paths.RuntimeDirectory);
        var agent = running.Agent;

        var commands = await GuestAgentCommands.ReadAsync(agent, CancellationToken.None);
        Assert.True(commands.AllowsFileWrite);
        Assert.True(commands.AllowsExec);
        Assert.False(commands.Allows("no-such-command"));

        await GuestFileCommands.MakeFolderAsync(agent, "/data/restored/a b/c", CancellationToken.None);

        // The same 8 MiB through chunks of several sizes: the content arrives whole in each, and the time says which size to use.
        var content = RandomNumberGenerator.GetBytes(8 * 1024 * 1024 + 123);
        var expected = Convert.ToHexStringLower(SHA256.HashData(content));
        foreach (var chunk in new[] { 64 * 1024, GuestFileWriter.DefaultChunkBytes, GuestFileWriter.MaxChunkBytes })
        {
            var path = $"/data/restored/a b/c/file-{chunk}";
            var writer = new GuestFileWriter(agent, chunk);
            var clock = Stopwatch.StartNew();
            var written = await writer.WriteAsync(path, new MemoryStream(content), replace: false, null, CancellationToken.None);
            var seconds = clock.Elapsed.TotalSeconds;
            Assert.Equal(content.Length, written);
            Assert.Equal(expected, await Sha256Async(agent, path));
            output.WriteLine(FormattableString.Invariant($"chunk {chunk / 1024} KiB: {content.Length / 1048576.0 / seconds:0.00} MiB/s ({seconds:0.00} s for 8 MiB)"));
        }

        // The peer: the guest writing as much to its own disk, which is as fast as the agent could ever go.
        var peer = Stopwatch.StartNew();
        await RunAsync(agent, "/bin/dd", "if=/dev/zero", "of=/data/restored/peer", "bs=1M", "count=8", "conv=fsync");
        output.WriteLine(FormattableString.Invariant($"dd in the guest: {8 / peer.Elapsed.TotalSeconds:0.00} MiB/s, exec round trip included"));

        var writer1M = new GuestFileWriter(agent);
        var first = "/data/restored/a b/c/file-262144";
        Assert.True(await writer1M.ExistsAsync(first, CancellationToken.None));
        Assert.True(await writer1M.ExistsAsync("/data/restored/a b", CancellationToken.None));
        Assert.False(await writer1M.ExistsAsync("/data/restored/missing", CancellationToken.None));
        var refused = await Assert.ThrowsAsync<GuestFileExistsException>(() => writer1M.WriteAsync(first, new MemoryStream([1, 2, 3]), replace: false, null, CancellationToken.None));
        Assert.Contains("exists", refused.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(expected, await Sha256Async(agent, first));
        Assert.Equal(3, await writer1M.WriteAsync(first, new MemoryStream([1, 2, 3]), replace: true, null, CancellationToken.None));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData([1, 2, 3])), await Sha256Async(agent, first));
        Assert.Equal(0, await writer1M.WriteAsync("/data/restored/empty", new MemoryStream(), replace: false, null, CancellationToken.None));
        Assert.Equal("0", (await RunAsync(agent, "/bin/sh", "-c", "stat -c %s /data/restored/empty")).Trim());

        var mtime = new DateTimeOffset(2021, 3, 4, 5, 6, 7, TimeSpan.Zero);
        Assert.Null(await GuestFileCommands.SetMetadataAsync(agent, first, 123, 456, Convert.ToInt32("640", 8), mtime, CancellationToken.None));
        Assert.Equal($"640 123 456 {mtime.ToUnixTimeSeconds()}", (await RunAsync(agent, "/bin/sh", "-c", $"stat -c '%a %u %g %Y' '{first}'")).Trim());

        Assert.Null(await GuestFileCommands.MakeSymlinkAsync(agent, "../outside/target", "/data/restored/link", CancellationToken.None));
        Assert.Equal("../outside/target", (await RunAsync(agent, "/bin/readlink", "/data/restored/link")).Trim());
        Assert.NotNull(await GuestFileCommands.MakeSymlinkAsync(agent, "x", "/data/restored/link", CancellationToken.None));

        var noFolder = await Assert.ThrowsAsync<GuestAgentException>(() => writer1M.WriteAsync("/data/none/file", new MemoryStream([1]), replace: false, null, CancellationToken.None));
        Assert.Contains("No such file", noFolder.Message, StringComparison.Ordinal);
        await vm.QuitAsync(TimeSpan.FromSeconds(30));
    }

    private static async Task<string> Sha256Async(IGuestAgent agent, string path) =>
        (await RunAsync(agent, "/bin/sha256sum", path)).Split(' ')[0];

    private static async Task<string> RunAsync(IGuestAgent agent, string program, params string[] arguments)
    {
        var result = await GuestExec.RunAsync(agent, program, arguments, null, CheckTimeout);
        Assert.True(result.Succeeded, $"{program} {string.Join(' ', arguments)}: exit {result.ExitCode}: {result.Error}");
        return result.Output;
    }
}
