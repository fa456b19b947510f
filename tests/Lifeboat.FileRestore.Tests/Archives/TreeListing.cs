namespace Lifeboat.FileRestore.Tests.Archives;

/// <summary>
/// A folder as python3's lstat sees it, one line per entry in name order: the relative name's bytes (hex), type, mode,
/// owner, mtime, size, a symlink's target (hex) and a file's SHA-256 (of the first 64 MiB and the size, for the sparse one).
/// </summary>
internal static class TreeListing
{
    private const string Script = """
        import os, sys, stat, hashlib
        root = sys.argv[1].encode()
        flags = sys.argv[2]
        rows = []
        for top, dirs, files in os.walk(root):
            for name in dirs + files:
                path = os.path.join(top, name)
                s = os.lstat(path)
                rel = os.path.relpath(path, root)
                kind = stat.S_IFMT(s.st_mode)
                row = [rel.hex(), oct(kind), oct(s.st_mode & 0o7777)]
                if 'o' in flags: row += [str(s.st_uid), str(s.st_gid)]
                if 't' in flags and not (stat.S_ISDIR(s.st_mode) and 'T' in flags) and not (stat.S_ISLNK(s.st_mode) and 'L' in flags): row.append(str(int(s.st_mtime)))
                if stat.S_ISLNK(s.st_mode): row.append(os.readlink(path).hex())
                elif stat.S_ISREG(s.st_mode):
                    h = hashlib.sha256()
                    with open(path, 'rb') as f:
                        left = 64 << 20
                        while left > 0:
                            chunk = f.read(min(left, 1 << 20))
                            if not chunk: break
                            h.update(chunk); left -= len(chunk)
                    row += [str(s.st_size), h.hexdigest()]
                    if 'i' in flags and s.st_nlink > 1: row.append('links=%d' % s.st_nlink)
                rows.append(' '.join(row))
        rows.sort()
        print('\n'.join(rows))
        """;

    /// <summary>The listing; <paramref name="flags"/>: o owners, t mtimes (T: not of folders, L: not of symlinks), i hard link counts.</summary>
    public static async Task<string[]> ListAsync(string folder, string flags = "oti") =>
        (await Python.RunAsync(Script, folder, flags)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
