using System.Text;

namespace Lifeboat.Server.Security;

/// <summary>Secrets in files that are mode 0600 (folders 0700) from their creation: never world-readable, not even briefly.</summary>
public static class OwnerOnlyFile
{
    public const UnixFileMode Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    public const UnixFileMode FolderMode = Mode | UnixFileMode.UserExecute;

    /// <summary>Creates the folder 0700 if it is missing; one that exists keeps its mode.</summary>
    public static void CreateFolder(string path)
    {
        if (OperatingSystem.IsWindows())
            Directory.CreateDirectory(path);
        else
            Directory.CreateDirectory(path, FolderMode);
    }

    /// <summary>Writes beside <paramref name="path"/> and renames: a crash leaves the old file or the whole new one.</summary>
    public static void Write(string path, string text)
    {
        var temporary = path + ".new";
        File.Delete(temporary);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = Mode;
        using (var stream = new FileStream(temporary, options))
        {
            stream.Write(Encoding.UTF8.GetBytes(text));
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
