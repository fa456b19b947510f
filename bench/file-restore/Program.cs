using System.Diagnostics;
using System.Globalization;
using System.Text;
using Lifeboat.Bench.FileRestore;
using Lifeboat.FileRestore;
using Lifeboat.Hypervisors.Qemu;
using Microsoft.Extensions.Logging.Abstractions;

// The file-restore engine against its peers, in one run: time to the first listing (appliance start included), later
// listings, a 1 GiB download through the engine over qemu-nbd against guestfish reading the same disk as a local raw
// file and against nbdcopy of the whole disk, memory with 1 and 4 appliances, and CALLS lstat calls through the C API
// against `guestfish --remote`.
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: FileRestoreBench REPOSITORY RESULTS-FILE [CALLS]");
    return 2;
}

var root = args[0];
var resultsFile = args[1];
var calls = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 200;
const int Rounds = 3;
var kvm = QemuAccelerator.Detect() == QemuAcceleratorKind.Kvm;
var environment = BenchProcesses.GuestfsEnvironment(kvm);
var options = new FileRestoreApplianceOptions { Kvm = kvm };
var disks = GuestFileSystemsDisks.Get(root, kvm);
var work = Directory.CreateTempSubdirectory("lifeboat-fr-bench-").FullName;
var results = new StringBuilder();
void Line(string text)
{
    Console.WriteLine(text);
    results.AppendLine(text);
}

// The download's disk: ext4 holding 1 GiB of pseudo-random bytes, built once by guestfish and cached.
var benchFolder = Path.Combine(root, ".build", "file-restore-bench-v1");
var benchDisk = Path.Combine(benchFolder, "disk.raw");
const long GiB = 1L << 30;
if (!File.Exists(Path.Combine(benchFolder, "done")))
{
    Directory.CreateDirectory(benchFolder);
    var source = Path.Combine(work, "one-gib.bin");
    await using (var file = File.Create(source))
    {
        var random = new Random(19);
        var buffer = new byte[1 << 20];
        for (long at = 0; at < GiB; at += buffer.Length)
        {
            random.NextBytes(buffer);
            file.Write(buffer);
        }
    }

    File.Delete(benchDisk);
    BenchProcesses.Run("guestfish", ["-N", $"{benchDisk}=fs:ext4:1200M", "-m", "/dev/sda1", "upload", source, "/one-gib.bin"], environment);
    File.Delete(source);
    File.WriteAllText(Path.Combine(benchFolder, "done"), "1 GiB file at sda1:/one-gib.bin\n");
}

var (disk0, disk0Url) = BenchProcesses.ServeNbd(disks.Disk0, "disk0", work);
var (disk1, disk1Url) = BenchProcesses.ServeNbd(disks.Disk1, "disk1", work);
var (bench, benchUrl) = BenchProcesses.ServeNbd(benchDisk, "bench", work);
var testDrives = new[] { new GuestDrive(disk0Url), new GuestDrive(disk1Url) };
var browsers = new List<FileRestoreBrowser>();
try
{
    // Time to the first listing: launch, file systems, one folder.
    var watch = Stopwatch.StartNew();
    var browser = await FileRestoreBrowser.LaunchAsync(testDrives, options, TimeProvider.System, NullLogger.Instance, CancellationToken.None);
    browsers.Add(browser);
    var launched = watch.Elapsed;
    var fileSystems = await browser.ListFileSystemsAsync(CancellationToken.None);
    await browser.ListAsync(GuestPath.Parse("sda1:/docs"), 0, 100, CancellationToken.None);
    var firstListing = watch.Elapsed;

    // Later listings: three folders in turn, so each is read again from the appliance (only the last folder is kept).
    string[] folders = ["sda1:/docs", "sdb1:/xfs", "sda3:/Windows", "vg0/root:/etc", "sdb2:/btr"];
    var later = new List<double>();
    for (var i = 0; i < 15; i++)
    {
        watch.Restart();
        await browser.ListAsync(GuestPath.Parse(folders[i % folders.Length]), 0, 100, CancellationToken.None);
        later.Add(watch.Elapsed.TotalSeconds);
    }

    var many = GuestPath.Parse(GuestFileSystemsDisks.ManyFolder);
    watch.Restart();
    await browser.ListAsync(many, 0, 1000, CancellationToken.None);
    var manyFirst = watch.Elapsed.TotalSeconds;
    var manyLater = new List<double>();
    for (var page = 1; page <= 5; page++)
    {
        watch.Restart();
        await browser.ListAsync(many, page * 17_000, 1000, CancellationToken.None);
        manyLater.Add(watch.Elapsed.TotalSeconds);
    }

    // The cost of one call: lstat through the C API on the appliance's thread, and through guestfish --remote.
    var readme = GuestPath.Parse("sda1:/docs/readme.txt");
    watch.Restart();
    for (var i = 0; i < calls; i++)
        await browser.StatAsync(readme, CancellationToken.None);
    var apiCalls = watch.Elapsed.TotalSeconds;
    var listen = BenchProcesses.Run("guestfish", ["--listen", "--ro", "--format=raw", "-a", disks.Disk0], environment);
    var guestfishPid = listen.Split('=', ';')[1];
    var remote = $"--remote={guestfishPid}";
    BenchProcesses.Run("guestfish", [remote, "run"], environment);
    BenchProcesses.Run("guestfish", [remote, "mount-ro", "/dev/sda1", "/"], environment);
    watch.Restart();
    for (var i = 0; i < calls; i++)
        BenchProcesses.Run("guestfish", [remote, "lstatns", "/docs/readme.txt"], environment);
    var remoteCalls = watch.Elapsed.TotalSeconds;

    // 1 GiB: the engine over qemu-nbd, guestfish --remote reading the local raw file, nbdcopy of the whole disk.
    var benchBrowser = await FileRestoreBrowser.LaunchAsync([new GuestDrive(benchUrl)], options, TimeProvider.System, NullLogger.Instance, CancellationToken.None);
    browsers.Add(benchBrowser);
    var rawListen = BenchProcesses.Run("guestfish", ["--listen", "--ro", "--format=raw", "-a", benchDisk], environment);
    var rawRemote = $"--remote={rawListen.Split('=', ';')[1]}";
    BenchProcesses.Run("guestfish", [rawRemote, "run"], environment);
    BenchProcesses.Run("guestfish", [rawRemote, "mount-ro", "/dev/sda1", "/"], environment);
    var engine = new List<double>();
    var guestfish = new List<double>();
    var nbdcopy = new List<double>();
    var benchSize = new FileInfo(benchDisk).Length;
    for (var round = 0; round < Rounds; round++)
    {
        var order = round % 2 == 0 ? new[] { 0, 1, 2 } : [2, 1, 0];
        foreach (var way in order)
        {
            watch.Restart();
            switch (way)
            {
                case 0:
                    await benchBrowser.CopyFileAsync(GuestPath.Parse("sda1:/one-gib.bin"), Stream.Null, null, CancellationToken.None);
                    engine.Add(GiB / watch.Elapsed.TotalSeconds / (1 << 20));
                    break;
                case 1:
                    BenchProcesses.Run("guestfish", [rawRemote, "download", "/one-gib.bin", "/dev/null"], environment);
                    guestfish.Add(GiB / watch.Elapsed.TotalSeconds / (1 << 20));
                    break;
                default:
                    BenchProcesses.Run("nbdcopy", [benchUrl, "null:"]);
                    nbdcopy.Add(benchSize / watch.Elapsed.TotalSeconds / (1 << 20));
                    break;
            }
        }
    }

    BenchProcesses.Run("guestfish", [rawRemote, "exit"], environment);
    BenchProcesses.Run("guestfish", [remote, "exit"], environment);

    // Memory: this process and its appliances' QEMUs with 1 browser over the test disks, then with 4.
    await benchBrowser.DisposeAsync();
    browsers.Remove(benchBrowser);
    var one = BenchProcesses.ResidentMegabytes();
    watch.Restart();
    var more = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => FileRestoreBrowser.LaunchAsync(testDrives, options, TimeProvider.System, NullLogger.Instance, CancellationToken.None)));
    var parallelLaunch = watch.Elapsed.TotalSeconds;
    browsers.AddRange(more);
    foreach (var each in more)
        await each.ListAsync(GuestPath.Parse("sda1:/docs"), 0, 100, CancellationToken.None);
    var four = BenchProcesses.ResidentMegabytes();

    static string Median(List<double> values) =>
        string.Create(CultureInfo.InvariantCulture, $"{values.Order().ElementAt(values.Count / 2):0.000} [{values.Min():0.000}-{values.Max():0.000}]");
    static double Mid(List<double> values) => values.Order().ElementAt(values.Count / 2);
    var load = File.ReadAllText("/proc/loadavg").Split(' ')[0];
    Line(string.Create(CultureInfo.InvariantCulture, $"# File-restore engine against guestfish and nbdcopy ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)"));
    Line(string.Empty);
    Line(string.Create(CultureInfo.InvariantCulture, $"{(kvm ? "KVM" : "TCG (no usable KVM)")}, appliance memsize {options.MemoryMegabytes} MiB, {Environment.ProcessorCount} cores, load average {load} at the end. Disks served read-only by qemu-nbd on unix sockets; the test disks ({fileSystems.Count} file systems) for listings, an ext4 disk with 1 GiB of random bytes for the download."));
    Line(string.Empty);
    Line("| what | seconds (median [min-max]) |");
    Line("| --- | --- |");
    Line(string.Create(CultureInfo.InvariantCulture, $"| appliance start (launch, file systems found and mounted) | {launched.TotalSeconds:0.000} |"));
    Line(string.Create(CultureInfo.InvariantCulture, $"| first listing (start + file systems + sda1:/docs) | {firstListing.TotalSeconds:0.000} |"));
    Line($"| a later listing of a small folder (15, five folders in turn) | {Median(later)} |");
    Line(string.Create(CultureInfo.InvariantCulture, $"| first page of the 100,000-entry folder (ls0, sort, 1,000 lstat) | {manyFirst:0.000} |"));
    Line($"| a later page of it (1,000 lstat) | {Median(manyLater)} |");
    Line(string.Create(CultureInfo.InvariantCulture, $"| 3 more appliances started at once | {parallelLaunch:0.000} |"));
    Line(string.Empty);
    Line(string.Create(CultureInfo.InvariantCulture, $"| 1 GiB file | MiB/s (median [min-max] of {Rounds}, order alternating) | ratio to guestfish |"));
    Line("| --- | --- | --- |");
    Line(string.Create(CultureInfo.InvariantCulture, $"| FileRestoreBrowser.CopyFileAsync over qemu-nbd (pipe to the caller's stream) | {Median(engine)} | {Mid(engine) / Mid(guestfish):0.00} |"));
    Line(string.Create(CultureInfo.InvariantCulture, $"| guestfish --remote download of the local raw file to /dev/null | {Median(guestfish)} | 1.00 |"));
    Line(string.Create(CultureInfo.InvariantCulture, $"| nbdcopy of the whole {benchSize >> 20} MiB disk to null: (block-level ceiling) | {Median(nbdcopy)} | {Mid(nbdcopy) / Mid(guestfish):0.00} |"));
    Line(string.Empty);
    Line(string.Create(CultureInfo.InvariantCulture, $"| {calls} lstat calls | seconds | ms per call | ratio to the C API |"));
    Line("| --- | --- | --- | --- |");
    Line(string.Create(CultureInfo.InvariantCulture, $"| C API (StatAsync: queue, lstatns, answer) | {apiCalls:0.000} | {apiCalls * 1000 / calls:0.00} | 1.0 |"));
    Line(string.Create(CultureInfo.InvariantCulture, $"| guestfish --remote lstatns (a process per call) | {remoteCalls:0.000} | {remoteCalls * 1000 / calls:0.00} | {remoteCalls / apiCalls:0.0} |"));
    Line(string.Empty);
    Line("| appliances open | server process RSS MiB | their QEMUs' RSS MiB | total MiB |");
    Line("| --- | --- | --- | --- |");
    Line(string.Create(CultureInfo.InvariantCulture, $"| 1 | {one.Server:0} | {one.Appliances:0} | {one.Server + one.Appliances:0} |"));
    Line(string.Create(CultureInfo.InvariantCulture, $"| 4 | {four.Server:0} | {four.Appliances:0} | {four.Server + four.Appliances:0} |"));
    File.WriteAllText(resultsFile, results.ToString());
    return 0;
}
finally
{
    foreach (var browser in browsers)
        await browser.DisposeAsync();
    BenchProcesses.Stop(disk0);
    BenchProcesses.Stop(disk1);
    BenchProcesses.Stop(bench);
    Directory.Delete(work, recursive: true);
}
