using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Lifeboat.Testing.Archives;

namespace Lifeboat.Testing.Guests;

/// <summary>
/// The file-restore test disks: two raw disks built by libguestfs itself (guestfish; nothing is mounted on the host),
/// in two versions, cached under <c>.build/guestfs-disks-v{Version}</c> and only ever read by the tests.
/// <para>Disk 0 (MBR): <c>sda1</c> ext4 "linux-root" (known files in /docs with modes, owners and mtimes, names with
/// spaces, a newline, non-UTF-8 bytes and dots, symlinks pointing outside, /many with 100,000 empty files f000000…f099999,
/// /big/two-gib.bin: 2 GiB, sparse, with markers at known offsets); <c>sda2</c> vfat "FATDATA"; <c>sda3</c> ntfs "WinData".</para>
/// <para>Disk 1 (GPT): <c>sdb1</c> xfs "xfsdata"; <c>sdb2</c> btrfs "btrdata"; <c>sdb3</c> the LVM PV of <c>vg0/root</c>
/// (ext4 "lvroot"); <c>sdb4</c> swap; <c>sdb5</c> nothing (unknown); <c>sdb6</c> ext4 "broken" whose group descriptors
/// are overwritten (it cannot be mounted).</para>
/// <para>The second version changes sda1:/docs/report.txt and sdb1:/xfs/data.bin and adds sda1:/docs/added-in-v2.txt.
/// <see cref="Files"/> and <see cref="SecondFiles"/> give every regular file's SHA-256 by its <c>FS:/PATH</c> text form.</para>
/// </summary>
public sealed class GuestFileSystemsDisks
{
    /// <summary>Bump when the disks' contents change, so cached disks of an older builder are not reused.</summary>
    public const int Version = 1;

    public const string ManyFolder = "sda1:/many";
    public const int ManyCount = 100_000;
    public const string TwoGibFile = "sda1:/big/two-gib.bin";
    public const long TwoGibSize = 2L << 30;

    /// <summary>sda1:/docs/exec.sh's metadata, to check a tar keeps it.</summary>
    public const int ExecMode = 0x1ed;
    public const int ExecOwner = 1000;
    public static readonly DateTimeOffset DocsModifiedAt = new(2021, 3, 4, 5, 6, 7, TimeSpan.Zero);

    /// <summary>The markers written into the 2 GiB file: offset and bytes; everything else in it is zero.</summary>
    public static readonly IReadOnlyList<(long Offset, string Text)> TwoGibMarkers =
        [(0, "LIFEBOAT-2GIB-START"), ((1L << 30) - 4, "LIFEBOAT-2GIB-MIDDLE"), (TwoGibSize - 17, "LIFEBOAT-2GIB-END")];

    /// <summary>Every file system the appliance should list: name, type, label, and whether it can be browsed.</summary>
    public static readonly IReadOnlyList<(string Name, string Type, string? Label, bool Browsable)> FileSystems =
    [
        ("sda1", "ext4", "linux-root", true), ("sda2", "vfat", "FATDATA", true), ("sda3", "ntfs", "WinData", true),
        ("sdb1", "xfs", "xfsdata", true), ("sdb2", "btrfs", "btrdata", true), ("sdb4", "swap", "swap0", false),
        ("sdb5", "unknown", null, false), ("sdb6", "ext4", "broken", false), ("vg0/root", "ext4", "lvroot", true),
    ];

    private static readonly Lock Gate = new();
    private static GuestFileSystemsDisks? _built;

    private GuestFileSystemsDisks(string folder)
    {
        Disk0 = Path.Combine(folder, "v1", "disk0.raw");
        Disk1 = Path.Combine(folder, "v1", "disk1.raw");
        SecondDisk0 = Path.Combine(folder, "v2", "disk0.raw");
        SecondDisk1 = Path.Combine(folder, "v2", "disk1.raw");
    }

    public string Disk0 { get; }

    public string Disk1 { get; }

    /// <summary>The second version of disk 0 (a few files changed).</summary>
    public string SecondDisk0 { get; }

    public string SecondDisk1 { get; }

    /// <summary>SHA-256 (lower-case hex) of the first version's regular files, by <c>FS:/PATH</c> (escaped as GuestText does).</summary>
    public static IReadOnlyDictionary<string, string> Files => Hashes(FirstContents());

    /// <summary>The same for the second version (the changed and added files differ).</summary>
    public static IReadOnlyDictionary<string, string> SecondFiles => Hashes(SecondContents());

    /// <summary>The SHA-256 of the 2 GiB file (zeros and <see cref="TwoGibMarkers"/>).</summary>
    public static string TwoGibHash()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        for (long at = 0; at < TwoGibSize; at += buffer.Length)
        {
            Array.Clear(buffer);
            foreach (var (offset, text) in TwoGibMarkers)
            {
                var bytes = Encoding.ASCII.GetBytes(text);
                for (var i = 0; i < bytes.Length; i++)
                {
                    if (offset + i >= at && offset + i < at + buffer.Length)
                        buffer[offset + i - at] = bytes[i];
                }
            }

            hash.AppendData(buffer);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The disks, built on first use (about 2-3 minutes under TCG) or taken from the cache.</summary>
    /// <param name="kvm">Whether the appliance may use KVM (else libguestfs is told force_tcg).</param>
    public static GuestFileSystemsDisks Get(string repositoryRoot, bool kvm)
    {
        lock (Gate)
        {
            if (_built is not null)
                return _built;
            var folder = Path.Combine(repositoryRoot, ".build", $"guestfs-disks-v{Version}");
            Directory.CreateDirectory(Path.Combine(repositoryRoot, ".build"));
            // Other test processes build the same disks at the same time: one builds, the others wait for its lock.
            using (WaitForLock(folder + ".lock"))
            {
                if (!File.Exists(Path.Combine(folder, "done")))
                    Build(folder, kvm);
            }

            return _built = new GuestFileSystemsDisks(folder);
        }
    }

    private static FileStream WaitForLock(string path)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (deadline.Elapsed < TimeSpan.FromMinutes(20))
            {
                Thread.Sleep(500);
            }
        }
    }

    private static void Build(string folder, bool kvm)
    {
        if (Directory.Exists(folder))
            Directory.Delete(folder, recursive: true);
        var work = Path.Combine(folder, "work");
        Directory.CreateDirectory(work);
        Directory.CreateDirectory(Path.Combine(folder, "v1"));
        Directory.CreateDirectory(Path.Combine(folder, "v2"));
        var first = FirstContents();
        var second = SecondContents();
        WriteDocsTar(Path.Combine(work, "sda1.tar"), first);
        foreach (var (path, content) in first)
            File.WriteAllBytes(Path.Combine(work, UploadName(path)), content);

        var disk0 = Path.Combine(folder, "v1", "disk0.raw");
        var disk1 = Path.Combine(folder, "v1", "disk1.raw");
        using (var stream = File.Create(disk0))
            stream.SetLength(1200L << 20);
        using (var stream = File.Create(disk1))
            stream.SetLength(700L << 20);
        Guestfish(work, kvm, [disk0, disk1], FirstScript(work, first));

        var copy0 = Path.Combine(folder, "v2", "disk0.raw");
        var copy1 = Path.Combine(folder, "v2", "disk1.raw");
        Run("cp", "--sparse=always", disk0, copy0);
        Run("cp", "--sparse=always", disk1, copy1);
        var changed = SecondChanges(second).ToList();
        var changes = new StringBuilder("run\n");
        foreach (var fileSystem in new[] { "sda1", "sdb1" })
        {
            changes.Append($"mount /dev/{fileSystem} /\n");
            foreach (var (path, content) in changed.Where(file => file.Key.StartsWith(fileSystem + ":", StringComparison.Ordinal)))
            {
                var upload = Path.Combine(work, "v2-" + UploadName(path));
                File.WriteAllBytes(upload, content);
                changes.Append($"upload {upload} {path[(fileSystem.Length + 1)..]}\n");
            }

            changes.Append("umount /\n");
        }

        changes.Append("umount-all\n");
        Guestfish(work, kvm, [copy0, copy1], changes.ToString());

        Directory.Delete(work, recursive: true);
        File.WriteAllText(Path.Combine(folder, "done"), $"guestfs test disks v{Version}\n");
    }

    private static string FirstScript(string work, IReadOnlyDictionary<string, byte[]> files)
    {
        var script = new StringBuilder();
        script.Append("""
            run
            part-init /dev/sda mbr
            part-add /dev/sda p 2048 2099199
            part-add /dev/sda p 2099200 2230271
            part-add /dev/sda p 2230272 2361343
            mke2fs /dev/sda1 fstype:ext4 numberofinodes:150000 label:linux-root
            mkfs vfat /dev/sda2 label:FATDATA
            mkfs ntfs /dev/sda3 label:WinData
            part-init /dev/sdb gpt
            part-add /dev/sdb p 2048 657407
            part-add /dev/sdb p 657408 1181695
            part-add /dev/sdb p 1181696 1312767
            part-add /dev/sdb p 1312768 1345535
            part-add /dev/sdb p 1345536 1361919
            part-add /dev/sdb p 1361920 1378303
            mkfs xfs /dev/sdb1 label:xfsdata
            mkfs btrfs /dev/sdb2 label:btrdata
            pvcreate /dev/sdb3
            vgcreate vg0 /dev/sdb3
            lvcreate root vg0 40
            mkfs ext4 /dev/vg0/root label:lvroot
            mkswap /dev/sdb4 label:swap0
            mkfs ext4 /dev/sdb6 label:broken

            """);
        // With 1 KiB blocks the group descriptors start at 2048: garbage there keeps the label readable but no mount works.
        script.Append($"pwrite-device /dev/sdb6 \"{string.Concat(Enumerable.Repeat(@"\xff", 64))}\" 2048\n");
        script.Append($"mount /dev/sda1 /\ntar-in {work}/sda1.tar /\nmkdir /big\ntouch /big/two-gib.bin\ntruncate-size /big/two-gib.bin {TwoGibSize}\n");
        foreach (var (offset, text) in TwoGibMarkers)
            script.Append($"pwrite /big/two-gib.bin \"{text}\" {offset}\n");
        script.Append("umount /\n");
        foreach (var (device, fileSystem) in new[] { ("/dev/sda2", "sda2"), ("/dev/sda3", "sda3"), ("/dev/sdb1", "sdb1"), ("/dev/sdb2", "sdb2"), ("/dev/vg0/root", "vg0/root") })
        {
            script.Append($"mount {device} /\n");
            foreach (var path in files.Keys.Where(path => path.StartsWith(fileSystem + ":", StringComparison.Ordinal)))
            {
                var inside = path[(fileSystem.Length + 1)..];
                script.Append($"mkdir-p {inside[..inside.LastIndexOf('/')]}\nupload {work}/{UploadName(path)} {inside}\n");
            }

            script.Append("umount /\n");
        }

        script.Append("umount-all\n");
        return script.ToString();
    }

    private static void WriteDocsTar(string path, IReadOnlyDictionary<string, byte[]> files)
    {
        using var stream = File.Create(path);
        var tar = new RawTar(stream);
        var at = DocsModifiedAt;
        tar.Folder("docs/"u8.ToArray(), 0x1ed, 0, 0, at);
        tar.Folder("docs/sub/"u8.ToArray(), 0x1ed, 0, 0, at);
        tar.Folder("docs/sub/deep/"u8.ToArray(), 0x1c0, 1000, 1000, at);
        foreach (var (text, content) in files.Where(file => file.Key.StartsWith("sda1:/docs/", StringComparison.Ordinal)))
        {
            var name = Unescape(text[6..]);
            var (mode, owner) = text switch
            {
                "sda1:/docs/exec.sh" => (ExecMode, ExecOwner),
                "sda1:/docs/secret.key" => (0x180, 0),
                _ => (0x1a4, 0),
            };
            tar.File(name, content, mode, owner, owner, at);
        }

        tar.Symlink("docs/link-out"u8.ToArray(), "/../../etc/passwd"u8.ToArray(), 0, 0, at);
        tar.Symlink("docs/link-up"u8.ToArray(), "../../../../../etc/shadow"u8.ToArray(), 0, 0, at);
        tar.Folder("many/"u8.ToArray(), 0x1ed, 0, 0, at);
        for (var i = 0; i < ManyCount; i++)
            tar.File(Encoding.ASCII.GetBytes($"many/f{i:D6}"), [], 0x1a4, 0, 0, at);
        tar.End();
    }

    private static Dictionary<string, byte[]> FirstContents() => new(StringComparer.Ordinal)
    {
        ["sda1:/docs/readme.txt"] = "Lifeboat file-restore test disk, version 1.\n"u8.ToArray(),
        ["sda1:/docs/report.txt"] = "Quarterly report: first version.\n"u8.ToArray(),
        ["sda1:/docs/random.bin"] = RawTar.Content(1, 3 << 20),
        ["sda1:/docs/a b c.txt"] = "a name with spaces\n"u8.ToArray(),
        [@"sda1:/docs/new\nline.txt"] = "a name with a newline\n"u8.ToArray(),
        [@"sda1:/docs/bad\xff\xfename.bin"] = "a name that is not UTF-8\n"u8.ToArray(),
        ["sda1:/docs/..dots.."] = "a name with dots\n"u8.ToArray(),
        ["sda1:/docs/exec.sh"] = "#!/bin/sh\necho restored\n"u8.ToArray(),
        ["sda1:/docs/secret.key"] = "not really a key\n"u8.ToArray(),
        ["sda1:/docs/sub/deep/nested.txt"] = "three levels down\n"u8.ToArray(),
        ["sda2:/FAT/HELLO.TXT"] = "hello from FAT\r\n"u8.ToArray(),
        ["sda2:/FAT/DATA.BIN"] = RawTar.Content(2, 1 << 20),
        ["sda3:/Windows/notes.txt"] = "hello from NTFS\r\n"u8.ToArray(),
        ["sda3:/Windows/blob.bin"] = RawTar.Content(3, 2 << 20),
        ["sdb1:/xfs/data.bin"] = RawTar.Content(4, 5 << 20),
        ["sdb1:/xfs/notes.txt"] = "hello from XFS\n"u8.ToArray(),
        ["sdb2:/btr/file.txt"] = "hello from btrfs\n"u8.ToArray(),
        ["sdb2:/btr/blob.bin"] = RawTar.Content(5, 1 << 20),
        ["vg0/root:/etc/hostname"] = "lvm-guest\n"u8.ToArray(),
    };

    private static Dictionary<string, byte[]> SecondContents()
    {
        var files = FirstContents();
        var changed = new Dictionary<string, byte[]>(StringComparer.Ordinal)
        {
            ["sda1:/docs/report.txt"] = "Quarterly report: second version, with the corrections.\n"u8.ToArray(),
            ["sda1:/docs/added-in-v2.txt"] = "only in the second version\n"u8.ToArray(),
            ["sdb1:/xfs/data.bin"] = RawTar.Content(6, 5 << 20),
        };
        foreach (var (path, content) in changed)
            files[path] = content;
        return files;
    }

    /// <summary>The second version's changed and added files only (for building it).</summary>
    private static IEnumerable<KeyValuePair<string, byte[]>> SecondChanges(IReadOnlyDictionary<string, byte[]> second)
    {
        var first = FirstContents();
        return second.Where(file => !first.TryGetValue(file.Key, out var before) || !before.AsSpan().SequenceEqual(file.Value));
    }

    private static Dictionary<string, string> Hashes(Dictionary<string, byte[]> files) =>
        files.ToDictionary(file => file.Key, file => Convert.ToHexStringLower(SHA256.HashData(file.Value)), StringComparer.Ordinal);

    private static string UploadName(string path) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(path)))[..16];

    /// <summary>The few escapes the names above use (\n, \xNN), as GuestText reads them.</summary>
    private static byte[] Unescape(string text)
    {
        var bytes = new List<byte>();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\' && text[i + 1] == 'n')
            {
                bytes.Add((byte)'\n');
                i++;
            }
            else if (text[i] == '\\' && text[i + 1] == 'x')
            {
                bytes.Add(Convert.ToByte(text.Substring(i + 2, 2), 16));
                i += 3;
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(text[i].ToString()));
            }
        }

        return [.. bytes];
    }

    private static void Guestfish(string work, bool kvm, string[] disks, string script)
    {
        var scriptPath = Path.Combine(work, $"script-{Guid.NewGuid():N}.gf");
        File.WriteAllText(scriptPath, script);
        var arguments = new List<string>();
        foreach (var disk in disks)
            arguments.AddRange(["--format=raw", "-a", disk]);
        arguments.AddRange(["-f", scriptPath]);
        var environment = new Dictionary<string, string> { ["LIBGUESTFS_BACKEND"] = "direct" };
        if (!kvm)
            environment["LIBGUESTFS_BACKEND_SETTINGS"] = "force_tcg";
        Run("guestfish", environment, [.. arguments]);
    }

    private static void Run(string fileName, params string[] arguments) => Run(fileName, new Dictionary<string, string>(), arguments);

    private static void Run(string fileName, Dictionary<string, string> environment, string[] arguments)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment)
            start.Environment[name] = value;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(15)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} did not finish building the guestfs test disks within 15 minutes.");
        }

        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{fileName} {string.Join(' ', arguments)} exited {process.ExitCode}: {stdout.Result}{stderr.Result}");
    }
}
