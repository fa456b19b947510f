using System.Diagnostics;
using Lifeboat.FileRestore.Guestfs;
using Microsoft.Extensions.Logging;

namespace Lifeboat.FileRestore;

/// <summary>
/// One libguestfs appliance over a restore point's disks (NBD exports, read-only), launched once and kept warm: its file
/// systems are found and mounted read-only at launch, then folders are listed, files read and folders packed as tar by
/// the appliance, one call at a time. The guest's data is parsed only inside the appliance.
/// </summary>
public sealed class FileRestoreBrowser : IFileRestoreBrowser
{
    /// <summary>The most entries one page of a folder holds.</summary>
    public const int MaxPageSize = 5000;

    /// <summary>The most matches one find returns.</summary>
    public const int MaxFindResults = 10_000;

    /// <summary>
    /// How long a close waits for the call running in the appliance (after cancelling a transfer) before it kills the
    /// appliance's processes: an appliance that stopped answering must not hold a server's stop.
    /// </summary>
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(3);

    private static int _launched;

    private readonly GuestfsWorker _worker;
    private readonly IReadOnlyList<GuestDrive> _drives;
    private readonly ApplianceFileSystems _fileSystems;
    private readonly string _spool;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _folderGate = new();
    private (GuestPath Folder, SortedNames Names)? _lastFolder;
    private long _lastUsed;
    private int _busy;
    private Task? _disposing;

    private FileRestoreBrowser(string name, GuestfsWorker worker, IReadOnlyList<GuestDrive> drives, ApplianceFileSystems fileSystems, string spool, TimeProvider time, ILogger logger)
    {
        (Name, _worker, _drives, _fileSystems, _spool, _time, _logger) = (name, worker, drives, fileSystems, spool, time, logger);
        Touch();
    }

    /// <summary>The appliance's name in logs (<c>file-restore-N</c>).</summary>
    public string Name { get; }

    /// <summary>Invoked once when the browser is disposed (the appliances' pool frees its memory then).</summary>
    internal Action? Closed { get; set; }

    public DateTimeOffset LastUsed => new(Interlocked.Read(ref _lastUsed), TimeSpan.Zero);

    /// <summary>True while a call runs (a long download is not idleness).</summary>
    public bool IsBusy => Volatile.Read(ref _busy) > 0;

    /// <summary>Starts an appliance over <paramref name="drives"/> (drive N is the guest's sd + the Nth letter) and finds its file systems.</summary>
    /// <exception cref="FileRestoreException">A drive URL is malformed (field <c>drives</c>), or the appliance did not start.</exception>
    public static async Task<FileRestoreBrowser> LaunchAsync(
        IReadOnlyList<GuestDrive> drives,
        FileRestoreApplianceOptions options,
        TimeProvider time,
        ILogger logger,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(drives);
        ArgumentNullException.ThrowIfNull(options);
        if (OperatingSystem.IsWindows())
            throw new PlatformNotSupportedException("File-level restore needs libguestfs, which runs on Linux.");
        if (drives.Count == 0)
            throw new FileRestoreException("The restore point has no disks to browse.", "drives");
        if (drives.Count > 26)
            throw new FileRestoreException($"The restore point has {drives.Count} disks; the appliance names at most 26 (sda to sdz).", "drives");
        var addresses = drives.Select(drive => NbdDriveAddress.Parse(drive.NbdUrl)).ToList();
        var name = $"file-restore-{Interlocked.Increment(ref _launched)}";
        var worker = new GuestfsWorker(name);
        var started = Stopwatch.StartNew();
        FileRestoreLog.ApplianceStarting(logger, name, drives.Count);
        try
        {
            ApplianceFileSystems? fileSystems = null;
            await worker.StartAsync(
                () => GuestfsConnection.Create(options.Kvm, options.MemoryMegabytes),
                connection =>
                {
                    foreach (var address in addresses)
                        connection.AddNbdDrive(address.Server, address.ExportName);
                    connection.Launch();
                    fileSystems = ApplianceFileSystems.Discover(connection);
                },
                cancellationToken).ConfigureAwait(false);
            FileRestoreLog.ApplianceStarted(logger, name, drives.Count, started.Elapsed.TotalSeconds, fileSystems!.All.Count);
            foreach (var fileSystem in fileSystems.All.Where(found => found.Problem is not null))
                FileRestoreLog.FileSystemUnreadable(logger, name, fileSystem.Name, fileSystem.Type, fileSystem.Problem!);
            // ls0 and find0 write a folder's names there: the guest's names are backup data, for root's eyes only.
            var spool = Directory.CreateDirectory(
                Path.Combine(options.SpoolFolder ?? Path.GetTempPath(), $"lifeboat-{name}-{Guid.NewGuid():N}"),
                UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute).FullName;
            return new FileRestoreBrowser(name, worker, drives, fileSystems, spool, time, logger);
        }
        catch (Exception ex)
        {
            await worker.DisposeAsync().ConfigureAwait(false);
            if (ex is OperationCanceledException)
                FileRestoreLog.ApplianceStartCancelled(logger, name, started.Elapsed.TotalSeconds);
            if (ex is GuestfsException guestfs)
            {
                throw new FileRestoreException(
                    $"The file-restore appliance did not start ({guestfs.Message.ReplaceLineEndings(" ").TrimEnd('.')}); check that the restore point's disks are served and run libguestfs-test-tool to see why.",
                    "drives",
                    ex);
            }

            throw;
        }
    }

    public Task<IReadOnlyList<GuestFileSystem>> ListFileSystemsAsync(CancellationToken cancellationToken)
    {
        Touch();
        return Task.FromResult(_fileSystems.All);
    }

    public async Task<GuestEntry> StatAsync(GuestPath path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        Touch();
        var appliancePath = AppliancePath(path);
        var applianceFolder = path.IsRoot ? appliancePath : AppliancePath(path.Parent());
        var name = path.Name.ToArray();
        return await Call(
            path,
            connection =>
            {
                var stat = connection.Lstatns(appliancePath);
                var target = GuestEntries.TypeOf(stat.Mode) == GuestEntryType.Symlink ? connection.Readlinklist(applianceFolder, [name])[0] : null;
                return GuestEntries.FromStat(path, stat, target);
            },
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<GuestFolderPage> ListAsync(GuestPath folder, int offset, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(folder);
        if (offset < 0)
            throw new FileRestoreException($"The offset {offset} is negative; give 0 or more.", "offset");
        if (limit is < 1 or > MaxPageSize)
            throw new FileRestoreException($"The limit {limit} is outside 1 to {MaxPageSize}; ask for the folder page by page.", "limit");
        Touch();
        var applianceFolder = AppliancePath(folder);
        var names = await SortedNamesAsync(folder, applianceFolder, cancellationToken).ConfigureAwait(false);
        var page = new List<byte[]>();
        for (var i = offset; i < names.Count && page.Count < limit; i++)
            page.Add(names[i].ToArray());
        var entries = page.Count == 0
            ? []
            : await Call(folder, connection => GuestEntries.StatNames(connection, folder, applianceFolder, page), cancellationToken).ConfigureAwait(false);
        return new GuestFolderPage(folder, offset, names.Count, entries);
    }

    public async Task<IReadOnlyList<GuestEntry>> FindAsync(GuestPath? under, string namePattern, int limit, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > MaxFindResults)
            throw new FileRestoreException($"The limit {limit} is outside 1 to {MaxFindResults}.", "limit");
        var pattern = new ShellPattern(namePattern);
        Touch();
        var roots = under is not null
            ? [under]
            : _fileSystems.All.Where(fileSystem => fileSystem.CanBrowse).Select(fileSystem => new GuestPath(fileSystem.Name, "/"u8)).ToList();
        var found = new List<GuestEntry>();
        foreach (var root in roots)
        {
            if (found.Count >= limit)
                break;
            var applianceRoot = AppliancePath(root);
            var spool = SpoolFile("find0");
            try
            {
                await Call(root, connection =>
                {
                    connection.Find0(applianceRoot, spool);
                    return true;
                }, cancellationToken).ConfigureAwait(false);
                var matches = FindResults.Read(spool, root, pattern, limit - found.Count);
                found.AddRange(await Call(root, connection => FindResults.Stat(connection, matches, AppliancePath), cancellationToken).ConfigureAwait(false));
            }
            finally
            {
                File.Delete(spool);
            }
        }

        return found;
    }

    public async Task CopyFileAsync(GuestPath file, Stream destination, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var entry = await StatAsync(file, cancellationToken).ConfigureAwait(false);
        if (entry.Type != GuestEntryType.File)
            throw new FileRestoreException($"{file} is {Describe(entry.Type)}, not a regular file; download a folder as an archive.", "path");
        var appliancePath = AppliancePath(file);
        await StreamAsync(file, (connection, target) => connection.Download(appliancePath, target), destination, progress, cancellationToken).ConfigureAwait(false);
    }

    public async Task TarFolderAsync(GuestPath folder, Stream destination, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var entry = await StatAsync(folder, cancellationToken).ConfigureAwait(false);
        if (entry.Type != GuestEntryType.Directory)
            throw new FileRestoreException($"{folder} is {Describe(entry.Type)}, not a folder.", "path");
        var applianceFolder = AppliancePath(folder);
        await StreamAsync(folder, (connection, target) => connection.TarOut(applianceFolder, target), destination, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Shuts the appliance down: a download running in it is cancelled, and a call it no longer answers is cut short.</summary>
    public async ValueTask DisposeAsync()
    {
        // A second caller (the idle sweep beside a session's close) waits for the first to finish.
        var mine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (Interlocked.CompareExchange(ref _disposing, mine.Task, null) is { } first)
        {
            await first.ConfigureAwait(false);
            return;
        }

        try
        {
            await _worker.DisposeAsync(CloseGrace).ConfigureAwait(false);
            Directory.Delete(_spool, recursive: true);
            FileRestoreLog.ApplianceClosed(_logger, Name);
            Closed?.Invoke();
        }
        finally
        {
            mine.SetResult();
        }
    }

    private async Task StreamAsync(GuestPath path, Action<GuestfsConnection, string> call, Stream destination, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var before = _drives.Select(drive => drive.LastDamagedBlock?.Invoke()?.Sequence).ToArray();
        Interlocked.Increment(ref _busy);
        try
        {
            await PipeCopy.RunAsync(_worker, call, destination, progress, cancellationToken).ConfigureAwait(false);
        }
        catch (GuestfsException ex)
        {
            FileRestoreLog.ReadFailed(_logger, Name, path.ToString(), ex.Message);
            cancellationToken.ThrowIfCancellationRequested();
            // A damaged block read during the call is the cause whatever the appliance says (a download the daemon
            // cancels on the read error reports "file receive cancelled by daemon", not EIO).
            for (var disk = 0; disk < _drives.Count; disk++)
            {
                if (_drives[disk].LastDamagedBlock?.Invoke() is { } block && block.Sequence != before[disk])
                {
                    throw new FileRestoreException(
                        $"{path} could not be read: its data on disk {block.Disk} at offset {block.DiskOffset} is in chunk {block.ChunkId}, which the backup cannot give ({block.Reason}); the other files can still be read.",
                        "path",
                        ex);
                }
            }

            if (ex.IsInputOutputError)
            {
                throw new FileRestoreException($"{path} could not be read: the appliance got an I/O error reading the disk ({ex.GuestfsMessage.ReplaceLineEndings(" ")}).", "path", ex);
            }

            throw Translate(path, ex);
        }
        finally
        {
            Interlocked.Decrement(ref _busy);
            Touch();
        }
    }

    private async Task<SortedNames> SortedNamesAsync(GuestPath folder, byte[] applianceFolder, CancellationToken cancellationToken)
    {
        lock (_folderGate)
        {
            // Paging through one big folder reads it once: the last folder's sorted names are kept.
            if (_lastFolder is { } last && last.Folder.Equals(folder))
                return last.Names;
        }

        var spool = SpoolFile("ls0");
        try
        {
            await Call(folder, connection =>
            {
                connection.Ls0(applianceFolder, spool);
                return true;
            }, cancellationToken).ConfigureAwait(false);
            var names = SortedNames.Read(spool, folder);
            lock (_folderGate)
                _lastFolder = (folder, names);
            return names;
        }
        finally
        {
            File.Delete(spool);
        }
    }

    private async Task<T> Call<T>(GuestPath path, Func<GuestfsConnection, T> call, CancellationToken cancellationToken)
    {
        try
        {
            return await _worker.RunAsync(call, cancellationToken).ConfigureAwait(false);
        }
        catch (GuestfsException ex)
        {
            throw Translate(path, ex);
        }
        catch (ObjectDisposedException ex)
        {
            throw new FileRestoreException($"The file-restore session reading {path} is closed; open it again.", "session", ex);
        }
    }

    private static FileRestoreException Translate(GuestPath path, GuestfsException ex) => ex.Errno switch
    {
        GuestfsException.NoSuchFile => new FileRestoreException($"{path} does not exist.", "path", ex),
        GuestfsException.NotADirectory => new FileRestoreException($"{path} is not a folder (or a folder above it is not).", "path", ex),
        _ when ex.GuestfsMessage.Contains("No such file or directory", StringComparison.Ordinal) => new FileRestoreException($"{path} does not exist.", "path", ex),
        _ when ex.GuestfsMessage.Contains("Not a directory", StringComparison.Ordinal) => new FileRestoreException($"{path} is not a folder (or a folder above it is not).", "path", ex),
        _ => new FileRestoreException($"Reading {path} failed in the appliance: {ex.GuestfsMessage.ReplaceLineEndings(" ").TrimEnd('.')}.", "path", ex),
    };

    private byte[] AppliancePath(GuestPath path) => GuestEntries.AppliancePath(_fileSystems.MountPoint(path.FileSystem), path);

    private string SpoolFile(string kind) => Path.Combine(_spool, $"{kind}-{Guid.NewGuid():N}");

    private void Touch() => Interlocked.Exchange(ref _lastUsed, _time.GetUtcNow().UtcTicks);

    private static string Describe(GuestEntryType type) => type switch
    {
        GuestEntryType.Directory => "a folder",
        GuestEntryType.Symlink => "a symbolic link",
        GuestEntryType.File => "a file",
        _ => "a special file",
    };
}
