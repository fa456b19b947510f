using System.ComponentModel;
using System.Diagnostics;

namespace Lifeboat.Repository.Tests.DiskImages;

/// <summary>Runs qemu-img and qemu-io (Debian's qemu-utils) to make real images for the readers to read.</summary>
internal static class QemuTools
{
    public static void Img(params string[] arguments) => Run("qemu-img", arguments);

    public static void Io(params string[] arguments) => Run("qemu-io", arguments);

    /// <summary>Writes the guest view of any image QEMU can read as a raw file: the reference to compare with.</summary>
    public static byte[] ConvertToRaw(string image, string folder)
    {
        string output = Path.Combine(folder, Path.GetFileName(image) + ".reference.raw");
        Img("convert", "-O", "raw", image, output);
        return File.ReadAllBytes(output);
    }

    private static void Run(string tool, string[] arguments)
    {
        var start = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start.");
        }
        catch (Win32Exception ex)
        {
            throw new InvalidOperationException(
                $"{tool} is not installed: install Debian's qemu-utils (apt-get install qemu-utils) to run the disk image tests.", ex);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            string stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException(
                    $"{tool} {string.Join(' ', arguments)} failed with exit code {process.ExitCode}: {stderr}{stdout.Result}");
            }
        }
    }
}
