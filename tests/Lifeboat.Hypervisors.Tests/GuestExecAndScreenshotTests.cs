using System.Buffers.Binary;
using System.Text;
using Lifeboat.Hypervisors.Qemu;
using Lifeboat.Hypervisors.Qemu.GuestAgent;

namespace Lifeboat.Hypervisors.Tests;

/// <summary>What a verification does inside a booted guest: run checks through the real qemu-ga, and take the console as a PNG.</summary>
[Collection(GuestCollection.Name)]
public sealed class GuestExecAndScreenshotTests(GuestImage guest)
{
    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Checks_run_in_the_guest_with_their_exit_code_and_output_and_the_console_is_saved_as_a_png()
    {
        using var folder = new TestDirectory();
        var overlay = await guest.CreateOverlayAsync(folder.Path);
        await using var vm = await new QemuLauncher().StartAsync(new QemuVmDescription
        {
            Name = "verify-guest",
            MemoryMiB = guest.MemoryMiB,
            Disks = [new QemuDisk(overlay) { Format = QemuDiskFormat.Qcow2 }],
            GuestAgent = true,
            Display = true,
            FirmwareConfig = new Dictionary<string, string> { [GuestImage.ModeEntry] = "stay" },
        }, folder.Combine("vm"));
        await vm.WaitForAgentAsync(BootTimeout);
        await using (var agent = await QemuGuestAgentClient.ConnectAsync(vm.Paths.GuestAgentSocket))
        {
            var passed = await GuestExec.RunAsync(agent, "/bin/sh", ["-c", "cat /proc/version; echo to-stderr >&2"], null, CheckTimeout);
            Assert.True(passed.Succeeded, $"exit {passed.ExitCode}: {passed.Error}");
            Assert.Contains("Linux version", passed.Output, StringComparison.Ordinal);
            Assert.Equal("to-stderr\n", passed.Error);

            var script = Encoding.UTF8.GetBytes("test -d /data || exit 9\necho script ran\nexit 3\n");
            var failed = await GuestExec.RunAsync(agent, "/bin/sh", ["-s"], script, CheckTimeout);
            Assert.Equal(3, failed.ExitCode);
            Assert.Equal("script ran\n", failed.Output);

            var slow = await GuestExec.RunAsync(agent, "/bin/sh", ["-c", "sleep 30"], null, TimeSpan.FromSeconds(1));
            Assert.True(slow.TimedOut);

            var missing = await Assert.ThrowsAsync<GuestAgentException>(() => GuestExec.RunAsync(agent, "/no/such/program", [], null, CheckTimeout));
            Assert.False(string.IsNullOrEmpty(missing.Message));
        }

        var png = folder.Combine("console.png");
        await QemuScreenshot.TakeAsync(vm, png);
        var bytes = await File.ReadAllBytesAsync(png);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
        Assert.Equal("IHDR", Encoding.ASCII.GetString(bytes, 12, 4));
        Assert.InRange(BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)), 320, 4096);
        Assert.InRange(BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)), 200, 4096);
        Assert.Empty(Directory.GetFiles(vm.Paths.RuntimeDirectory, "*.ppm"));
        await vm.QuitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void A_ppm_becomes_a_png_whose_pixels_decode_back_and_a_broken_one_is_refused()
    {
        using var folder = new TestDirectory();
        var ppm = folder.Combine("p.ppm");
        byte[] pixels = [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30];
        File.WriteAllBytes(ppm, [.. "P6\n# QEMU\n2 2\n255\n"u8.ToArray(), .. pixels]);
        var png = folder.Combine("p.png");
        PngImage.ConvertPpm(ppm, png);

        var bytes = File.ReadAllBytes(png);
        var idat = IndexOf(bytes, "IDAT"u8.ToArray());
        var length = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(idat - 4));
        using var zlib = new System.IO.Compression.ZLibStream(new MemoryStream(bytes, idat + 4, length), System.IO.Compression.CompressionMode.Decompress);
        using var decoded = new MemoryStream();
        zlib.CopyTo(decoded);
        Assert.Equal([0, .. pixels[..6], 0, .. pixels[6..]], decoded.ToArray());
        Assert.True(IndexOf(bytes, "IEND"u8.ToArray()) > idat);

        File.WriteAllBytes(ppm, [.. "P6\n99999 2\n255\n"u8.ToArray(), 1, 2, 3]);
        Assert.Throws<InvalidDataException>(() => PngImage.ConvertPpm(ppm, png));
        File.WriteAllBytes(ppm, [.. "P6\n4 4\n255\n"u8.ToArray(), 1, 2, 3]);
        Assert.Throws<InvalidDataException>(() => PngImage.ConvertPpm(ppm, png));
    }

    private static int IndexOf(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle);
}
