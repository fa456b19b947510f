using System.Diagnostics;
using Lifeboat.Hypervisors.Qemu;

namespace Lifeboat.EndToEnd.Tests;

/// <summary>What the guest reported on its serial console during one boot, from QEMU's start to its power off.</summary>
internal sealed record GuestBoot(string BootedLine, string Found, string? Wrote, TimeSpan ToBooted)
{
    /// <summary>About 10 s under TCG on an idle machine; generous because other test projects share the two cores.</summary>
    private static readonly TimeSpan MarkerTimeout = TimeSpan.FromSeconds(240);
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Boots the test guest from <paramref name="disk"/> inside <paramref name="network"/> with the guest mode
    /// <paramref name="mode"/> (check or write) and waits until QEMU exits after the guest powered off.
    /// </summary>
    public static async Task<GuestBoot> RunAsync(
        GuestImage guest, NetworkNamespace network, string folder, QemuDisk disk, string mode)
    {
        // The accelerator probe (up to 2 s, once per process) must not count as boot time.
        var accelerator = QemuAccelerator.Detect();
        var launcher = new QemuLauncher { QemuBinary = network.WriteWrapperScript(folder, QemuAccelerator.DefaultQemuBinary) };
        var description = new QemuVmDescription
        {
            Name = "lifeboat-guest",
            MemoryMiB = guest.MemoryMiB,
            Accelerator = accelerator,
            Disks = [disk],
            FirmwareConfig = new Dictionary<string, string> { [GuestImage.ModeEntry] = mode },
        };
        var clock = Stopwatch.StartNew();
        await using var vm = await launcher.StartAsync(description, Path.Combine(folder, "vm"));
        try
        {
            var booted = await vm.WaitForConsoleAsync(GuestImage.BootedMarker, MarkerTimeout);
            var toBooted = clock.Elapsed;
            var found = MarkerValue(await vm.WaitForConsoleAsync(GuestImage.FoundMarker, MarkerTimeout));
            var wrote = mode.Contains("write", StringComparison.Ordinal)
                ? MarkerValue(await vm.WaitForConsoleAsync(GuestImage.WroteMarker, MarkerTimeout))
                : null;
            await vm.WaitForConsoleAsync(GuestImage.PowerOffMarker, MarkerTimeout);
            await vm.WaitForExitAsync(ShutdownTimeout);
            return new GuestBoot(booted, found, wrote, toBooted);
        }
        finally
        {
            if (vm.IsRunning)
            {
                await vm.KillAsync();
            }
        }
    }

    /// <summary>The word after the marker: "LIFEBOAT-GUEST-WROTE 3f..." gives "3f...".</summary>
    private static string MarkerValue(string line)
    {
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var marker = Array.FindIndex(words, word => word.StartsWith("LIFEBOAT-GUEST-", StringComparison.Ordinal));
        Assert.True(marker >= 0 && marker + 1 < words.Length, $"no value after the marker in: {line}");
        return words[marker + 1];
    }
}
