namespace Lifeboat.Cli.Tests;

/// <summary>
/// The built CLI where the tests' unprivileged user can run it: the build output itself when every folder above it lets
/// others in, else a copy under the temporary folder (a clone under /root is 0700, and nobody's `dotnet lifeboat.dll`
/// would then fail on the file, never reaching the mount server it is meant to be refused by).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal static class NobodyReadableCli
{
    private static readonly Lazy<string> Dll = new(Locate);

    public static string LifeboatDll => Dll.Value;

    private static string Locate()
    {
        var built = AppContext.BaseDirectory.TrimEnd('/');
        if (OthersMayEnter(built) && File.GetUnixFileMode(Path.Combine(built, "lifeboat.dll")).HasFlag(UnixFileMode.OtherRead))
            return Path.Combine(built, "lifeboat.dll");
        var copy = Path.Combine(Path.GetTempPath(), $"lifeboat-cli-for-nobody-{Environment.ProcessId}");
        Directory.CreateDirectory(copy, (UnixFileMode)0x1ED);
        foreach (var file in Directory.EnumerateFiles(built, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(copy, Path.GetRelativePath(built, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!, (UnixFileMode)0x1ED);
            File.Copy(file, target, overwrite: true);
            File.SetUnixFileMode(target, (UnixFileMode)0x1A4);
        }
        return Path.Combine(copy, "lifeboat.dll");
    }

    private static bool OthersMayEnter(string folder)
    {
        for (var current = folder; !string.IsNullOrEmpty(current); current = Path.GetDirectoryName(current))
        {
            if (!File.GetUnixFileMode(current).HasFlag(UnixFileMode.OtherExecute))
                return false;
        }
        return true;
    }
}
