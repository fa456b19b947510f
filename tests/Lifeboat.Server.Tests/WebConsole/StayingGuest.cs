using Lifeboat.Server.Tests.Support;

namespace Lifeboat.Server.Tests.WebConsole;

/// <summary>
/// A copy of the test guest's disk whose own /etc/lifeboat/mode says "stay", so that it keeps running when booted
/// without firmware config (as the console's Verify button boots it; the default mode powers off).
/// </summary>
public static class StayingGuest
{
    public static async Task<string> CopyAsync(GuestImage guest, TestFolder folder)
    {
        var disk = folder.Combine("guest-stay.raw");
        File.Copy(guest.RawDisk, disk);
        var mode = folder.Combine("mode");
        await File.WriteAllTextAsync(mode, "stay");
        var commands = folder.Combine("debugfs.cmd");
        await File.WriteAllTextAsync(commands, $"mkdir /etc/lifeboat\nrm /etc/lifeboat/mode\nwrite {mode} /etc/lifeboat/mode\n");
        await Tools.RunOkAsync("debugfs", "-w", "-f", commands, $"{disk}?offset={guest.RootPartitionOffset}");
        return disk;
    }
}
