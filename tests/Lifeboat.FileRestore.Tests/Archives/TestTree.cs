namespace Lifeboat.FileRestore.Tests.Archives;

/// <summary>
/// The tree the archive and extraction tests read, made once by python3 with raw byte names: names with spaces, a
/// newline, bytes that are not UTF-8 and over 100 bytes; symlinks out of the tree and to absolute paths, a hard link, a
/// fifo, set-uid and read-only modes, owners and mtimes of their own; a second folder named <c>docs</c>; a 100,000-file
/// folder and a 2 GiB sparse file.
/// </summary>
public sealed class TestTree : IAsyncLifetime
{
    public const int ManyFiles = 100_000;
    public const long BigFileSize = 2L << 30;

    private const string BuildScript = """
        import os, sys
        root = sys.argv[1].encode()
        def p(*parts): return os.path.join(root, *parts)
        def write(path, data, mode=0o644, uid=0, gid=0, mtime=1600000000):
            with open(path, 'wb') as f: f.write(data)
            os.lchown(path, uid, gid); os.chmod(path, mode); os.utime(path, (mtime, mtime))
        def folder(path, mode=0o755, uid=0, gid=0):
            os.makedirs(path, exist_ok=True); os.lchown(path, uid, gid); os.chmod(path, mode)
        def link(target, path, uid=0, gid=0, mtime=1600000000):
            os.symlink(target, path); os.lchown(path, uid, gid); os.utime(path, (mtime, mtime), follow_symlinks=False)
        docs = p(b'docs')
        folder(docs, 0o750, 1234, 5678)
        write(os.path.join(docs, b'plain.txt'), b'hello\n', 0o640, 1000, 1000, 1500000000)
        write(os.path.join(docs, b'with space.txt'), b'space\n', 0o600, 1001, 1002)
        write(os.path.join(docs, b'new\nline'), b'newline\n')
        write(os.path.join(docs, b'caf\xe9 latin1'), b'latin1\n', 0o604)
        folder(os.path.join(docs, b'\xff\xfe-dir'), 0o711, 2000, 2000)
        write(os.path.join(docs, b'\xff\xfe-dir', b'inner.bin'), os.urandom(300 * 1024), 0o644, 2000, 2000, 1400000000)
        deep = os.path.join(docs, *([b'level-of-a-deep-folder'] * 8))
        folder(deep)
        write(os.path.join(deep, b'n' * 200), b'long name\n')
        link(b'/etc/passwd', os.path.join(docs, b'link-out'))
        link(b'../../../outside', os.path.join(docs, b'link-up'))
        link(b'plain.txt', os.path.join(docs, b'link-rel'), 1000, 1000, 1450000000)
        link(b'x' * 150, os.path.join(docs, b'link-long'))
        os.link(os.path.join(docs, b'plain.txt'), os.path.join(docs, b'hard'))
        os.mkfifo(os.path.join(docs, b'fifo'))
        write(os.path.join(docs, b'setuid'), b'#!/bin/sh\n', 0o4755)
        folder(os.path.join(docs, b'read-only'), 0o555)
        for d in [deep, os.path.dirname(deep)]: os.utime(d, (1600000000, 1600000000))
        os.utime(os.path.join(docs, b'\xff\xfe-dir'), (1300000000, 1300000000))
        os.utime(os.path.join(docs, b'read-only'), (1300000000, 1300000000))
        os.utime(docs, (1200000000, 1200000000))
        folder(p(b'other', b'docs'))
        write(p(b'other', b'docs', b'x'), b'other docs\n')
        write(p(b'single.bin'), os.urandom(1 << 20), 0o600, 3000, 3000, 1500000000)
        link(b'docs', p(b'top-link'))
        many = p(b'many')
        folder(many)
        for i in range(int(sys.argv[2])):
            with open(os.path.join(many, b'f%06d' % i), 'wb') as f: f.write(b'%d\n' % i)
        folder(p(b'big'))
        with open(p(b'big', b'sparse.img'), 'wb') as f:
            size = int(sys.argv[3])
            for at in [0, size // 2, size - 5]:
                f.seek(at); f.write(b'DATA!')
        """;

    /// <summary>In /dev/shm: 100,000 files made, copied and removed on a disk the other tests share took minutes under load; on tmpfs, seconds (the sparse file's holes take no memory).</summary>
    public string Root { get; } = Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), "lifeboat-archives-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>The tree itself, under <see cref="Root"/>/src.</summary>
    public string Source => Path.Combine(Root, "src");

    public GuestPath At(string path) => GuestPath.Parse("local:" + path);

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Source);
        await Python.RunAsync(TimeSpan.FromMinutes(10), BuildScript, Source, ManyFiles.ToString(System.Globalization.CultureInfo.InvariantCulture), BigFileSize.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public Task DisposeAsync()
    {
        Python.RemoveTree(Root);
        return Task.CompletedTask;
    }

    /// <summary>A new empty folder under the tree's temp folder.</summary>
    public string NewFolder(string name)
    {
        var path = Path.Combine(Root, name);
        Directory.CreateDirectory(path);
        return path;
    }
}

[CollectionDefinition(Name)]
public sealed class TestTreeCollection : ICollectionFixture<TestTree>
{
    public const string Name = "archives tree";
}
