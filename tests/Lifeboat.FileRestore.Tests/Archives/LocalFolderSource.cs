using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Lifeboat.FileRestore.Tests.Archives;

/// <summary>
/// An <see cref="IGuestFileSource"/> over a real local folder, as the appliance is over a guest's file system: lstat and
/// reads by python3 (raw byte paths, given as hex), folders as tar by GNU tar (<c>tar --numeric-owner -C DIR -cf - .</c>).
/// A path <c>local:/a/b</c> is <c>ROOT/a/b</c>.
/// </summary>
internal sealed class LocalFolderSource : IGuestFileSource
{
    private const string StatScript = """
        import os, sys, json, stat
        p = bytes.fromhex(sys.argv[1])
        try:
            s = os.lstat(p)
        except FileNotFoundError:
            print(json.dumps(None)); sys.exit(0)
        t = 'File' if stat.S_ISREG(s.st_mode) else 'Directory' if stat.S_ISDIR(s.st_mode) else 'Symlink' if stat.S_ISLNK(s.st_mode) \
            else 'CharDevice' if stat.S_ISCHR(s.st_mode) else 'BlockDevice' if stat.S_ISBLK(s.st_mode) else 'Fifo' if stat.S_ISFIFO(s.st_mode) else 'Socket'
        print(json.dumps({'type': t, 'size': s.st_size, 'mode': s.st_mode & 0o7777, 'uid': s.st_uid, 'gid': s.st_gid, 'mtime': int(s.st_mtime),
                          'target': os.readlink(p).hex() if t == 'Symlink' else None}))
        """;

    private const string CatScript = """
        import sys, shutil
        with open(bytes.fromhex(sys.argv[1]), 'rb') as f:
            shutil.copyfileobj(f, sys.stdout.buffer, 1 << 20)
        """;

    private const string TarScript = """
        import os, sys
        os.chdir(bytes.fromhex(sys.argv[1]))
        os.execvp('tar', ['tar', '--numeric-owner', '-cf', '-', '.'])
        """;

    private readonly byte[] _root;

    public LocalFolderSource(string root) => _root = System.Text.Encoding.UTF8.GetBytes(root);

    public int TarCalls { get; private set; }

    public async Task<GuestEntry> StatAsync(GuestPath path, CancellationToken cancellationToken)
    {
        var json = await Python.RunAsync(StatScript, Hex(path));
        using var document = JsonDocument.Parse(json);
        var stat = document.RootElement;
        if (stat.ValueKind == JsonValueKind.Null)
            throw new FileRestoreException($"{path} does not exist.", "path");
        return new GuestEntry(
            path,
            Enum.Parse<GuestEntryType>(stat.GetProperty("type").GetString()!),
            stat.GetProperty("size").GetInt64(),
            stat.GetProperty("mode").GetInt32(),
            stat.GetProperty("uid").GetInt64(),
            stat.GetProperty("gid").GetInt64(),
            DateTimeOffset.FromUnixTimeSeconds(stat.GetProperty("mtime").GetInt64()),
            stat.GetProperty("target").GetString() is { } target ? Convert.FromHexString(target) : null);
    }

    public Task CopyFileAsync(GuestPath file, Stream destination, IProgress<long>? progress, CancellationToken cancellationToken) =>
        PipeAsync(Python.Start(CatScript, Hex(file)), destination, $"{file} could not be read", cancellationToken);

    public Task TarFolderAsync(GuestPath folder, Stream destination, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        TarCalls++;
        return PipeAsync(Python.Start(TarScript, Hex(folder)), destination, $"GNU tar could not read {folder}", cancellationToken);
    }

    private string Hex(GuestPath path) => Convert.ToHexString(path.IsRoot ? _root : [.. _root, .. path.Bytes]);

    private static async Task PipeAsync(Process process, Stream destination, string failure, CancellationToken cancellationToken)
    {
        using (process)
        {
            var errors = process.StandardError.ReadToEndAsync(cancellationToken);
            try
            {
                await process.StandardOutput.BaseStream.CopyToAsync(destination, 256 * 1024, cancellationToken);
            }
            catch
            {
                process.Kill(entireProcessTree: true);
                throw;
            }

            await process.WaitForExitAsync(cancellationToken);
            if (process.ExitCode != 0)
            {
                var stderr = await errors;
                throw new FileRestoreException($"{failure}: exit {process.ExitCode}, {stderr}", "path");
            }
        }
    }
}
