using System.Globalization;

namespace Lifeboat.Hypervisors.Qemu.GuestAgent;

/// <summary>
/// What the agent's file commands cannot do, done with <c>guest-exec</c> of the guest's own tools (argument lists,
/// never a command line a name could break out of): folders, owners, modes, times, symlinks.
/// </summary>
public static class GuestFileCommands
{
    private static readonly TimeSpan ExecTimeout = TimeSpan.FromSeconds(60);

    // $1 uid:gid, $2 octal mode, $3 mtime in Unix seconds, $4 the path; each step says which failed.
    private const string SetMetadataScript =
        "chown -h -- \"$1\" \"$4\" || exit 11; [ -L \"$4\" ] || chmod -- \"$2\" \"$4\" || exit 12; touch -c -h -d \"@$3\" -- \"$4\" 2>/dev/null || touch -c -d \"@$3\" -- \"$4\" || exit 13";

    /// <summary>Makes <paramref name="folder"/> and the folders above it (<c>mkdir -p</c>).</summary>
    /// <exception cref="IOException">mkdir failed in the guest; the message gives its words.</exception>
    public static async Task MakeFolderAsync(IGuestAgent agent, string folder, CancellationToken cancellationToken)
    {
        var result = await GuestExec.RunAsync(agent, "/bin/mkdir", ["-p", "--", folder], null, ExecTimeout, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
            throw new IOException($"mkdir -p {folder} failed in the guest: {Said(result)}");
    }

    /// <summary>Makes a symlink at <paramref name="path"/> pointing at <paramref name="target"/> (<c>ln -s</c>); null when made, else why not.</summary>
    public static async Task<string?> MakeSymlinkAsync(IGuestAgent agent, string target, string path, CancellationToken cancellationToken)
    {
        var result = await GuestExec.RunAsync(agent, "/bin/ln", ["-s", "--", target, path], null, ExecTimeout, cancellationToken).ConfigureAwait(false);
        return result.Succeeded ? null : $"ln -s failed in the guest: {Said(result)}";
    }

    /// <summary>Removes a file a write left half-done (<c>rm -f</c>); false when it could not.</summary>
    public static async Task<bool> RemoveAsync(IGuestAgent agent, string path, CancellationToken cancellationToken)
    {
        var result = await GuestExec.RunAsync(agent, "/bin/rm", ["-f", "--", path], null, ExecTimeout, cancellationToken).ConfigureAwait(false);
        return result.Succeeded;
    }

    /// <summary>Sets owner, mode (not on a symlink) and modification time in one program run; null when all were set, else which was not and why.</summary>
    public static async Task<string?> SetMetadataAsync(
        IGuestAgent agent, string path, long uid, long gid, int mode, DateTimeOffset modifiedAt, CancellationToken cancellationToken)
    {
        var result = await GuestExec.RunAsync(
            agent,
            "/bin/sh",
            ["-c", SetMetadataScript, "sh", $"{uid}:{gid}", Convert.ToString(mode & 0xFFF, 8), modifiedAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), path],
            null,
            ExecTimeout,
            cancellationToken).ConfigureAwait(false);
        return result.ExitCode switch
        {
            0 => null,
            11 => $"owner {uid}:{gid} not set ({Said(result)})",
            12 => $"mode {Convert.ToString(mode & 0xFFF, 8)} not set ({Said(result)})",
            13 => $"modification time not set ({Said(result)})",
            _ => $"owner, mode and time not set ({Said(result)})",
        };
    }

    private static string Said(GuestExecResult result)
    {
        if (result.TimedOut)
            return $"it did not end within {ExecTimeout.TotalSeconds:0} s";
        var words = (result.Error.Length > 0 ? result.Error : result.Output).Trim();
        if (words.Length > 300)
            words = words[..300] + "…";
        return words.Length > 0 ? words.ReplaceLineEndings(" ") : $"exit code {result.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "none"}";
    }
}
