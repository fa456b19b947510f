using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Lifeboat.Hypervisors.Qemu.Host;

/// <summary>What this machine's QEMU is: its version, and whether its nfs block driver (a module Debian ships in qemu-block-extra) is installed.</summary>
internal static partial class QemuInstallation
{
    private const string ModuleFolder = "/usr/lib/x86_64-linux-gnu/qemu";
    private static readonly TimeSpan VersionTimeout = TimeSpan.FromSeconds(10);
    private static string? s_version;

    /// <summary>"7.2.19" from <c>qemu-system-x86_64 --version</c>, asked once; null when it does not say.</summary>
    public static string? Version(string binary)
    {
        if (s_version is { } known)
            return known;
        try
        {
            using var process = Process.Start(new ProcessStartInfo(binary, "--version") { RedirectStandardOutput = true, UseShellExecute = false });
            if (process is null)
                return null;
            var output = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(VersionTimeout))
                return null;
            return s_version = VersionPattern().Match(output) is { Success: true } match ? match.Groups[1].Value : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    /// <summary>Debian builds QEMU's nfs driver as a module; without qemu-block-extra it is not there.</summary>
    public static bool HasNfsDriver() => File.Exists(Path.Combine(ModuleFolder, "block-nfs.so"));

    [GeneratedRegex(@"QEMU emulator version ([0-9][0-9.]*)", RegexOptions.CultureInvariant)]
    private static partial Regex VersionPattern();
}
