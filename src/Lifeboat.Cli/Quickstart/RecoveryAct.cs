using System.Globalization;
using System.Text;
using Lifeboat.Cli.Commands;
using Lifeboat.LiveBackup;
using Lifeboat.Hypervisors.Qemu.LiveBackup;
using Lifeboat.Cli.Output;
using Lifeboat.Repository;
using Lifeboat.Server.Contracts.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Spectre.Console;

namespace Lifeboat.Cli.Quickstart;

/// <summary>
/// Act 2, instant recovery: the test guest runs as a production VM that writes, is backed up live twice (the second
/// time only what changed), is lost, runs straight from the incremental restore point, writes, moves live to
/// production storage, and is checked there; the backup stays as it was.
/// </summary>
internal sealed class RecoveryAct(StepLog log, string folder)
{
    private const string GuestMode = "write,stay";
    private const string ProductionMode = "records";
    private const string RecordPrefix = "LIFEBOAT-RECORD";
    private const string LiveBackupFolder = "live-backup";
    private const string DatastoreName = "quickstart-production";
    /// <summary>Enough for the second backup to have changes to read, few enough to wait for on a slow TCG guest.</summary>
    private const int RecordsBetweenBackups = 20;
    private const int ConsoleLinesShown = 12;
    private static readonly TimeSpan GuestTimeout = TimeSpan.FromMinutes(3);

    private readonly List<QuickstartLiveBackup> _liveBackups = [];
    private QuickstartSession? _session;

    public IReadOnlyList<QuickstartLiveBackup> LiveBackups => _liveBackups;

    public string? Server { get; private set; }

    public string? RestorePointId { get; private set; }

    public string? SessionId => _session?.Id;

    public double? RecoverySeconds => _session?.RecoverySeconds;

    public double? MigrationSeconds => _session?.MigrationSeconds;

    public double? MigrationMiBPerSecond => _session?.MigrationMiBPerSecond;

    public string? ProductionDisk { get; private set; }

    public async Task RunAsync(CancellationToken ct)
    {
        log.Act("Act 2: instant recovery of a real VM",
            "A small Linux VM is backed up live twice while it writes, is lost, runs straight from its backup, and moves to production storage while it runs.");
        var guest = await log.RunAsync("Build the test guest (once per machine)", () => TestGuest.BuildAsync(ct),
            g => $"{g.RawDisk}: Debian's kernel {g.KernelVersion} and busybox on a disk that boots by itself");
        await using var server = await log.RunAsync("Find or start a Lifeboat server",
            () => QuickstartServer.FindOrStartAsync(Path.Combine(folder, "server"), text => log.Detail($"[yellow]{Markup.Escape(text)}[/]"), ct),
            s => s.Owned
                ? $"started at {s.Client.BaseAddress} with its data in {s.Info.DataDirectory} (NFS {s.Info.NfsEndPoint}, portmap {s.Info.Portmap.ToLowerInvariant()})"
                : $"the server already running at {s.Client.BaseAddress} (data in {s.Info.DataDirectory})");
        Server = server.Client.BaseAddress.ToString();
        _session = new QuickstartSession(server.Client, log);
        var finished = false;
        try
        {
            await StoryAsync(guest, server, _session, ct);
            finished = true;
        }
        finally
        {
            if (!finished)
                await _session.CleanUpAsync(server.Info.DataDirectory, hurry: ct.IsCancellationRequested);
            if (server.Owned)
                await log.RunAsync("Stop the server the quickstart started", () => server.StopAsync(text => log.Detail($"[yellow]{Markup.Escape(text)}[/]")));
        }
    }

    private async Task StoryAsync(TestGuest guest, QuickstartServer server, QuickstartSession session, CancellationToken ct)
    {
        var repositoryPath = server.Info.DefaultRepository;
        await using var production = await log.RunAsync($"Start the production VM from a qcow2 copy of its disk (guest mode {ProductionMode})",
            () => ProductionGuest.StartAsync(guest, folder, ct),
            p => $"{p.Disk} under QEMU with its monitor at {p.QmpSocket} and its guest agent, no NIC; it has synced {p.LastRecord()} records to /data/records");
        var first = await log.RunAsync("Back up the running VM live (the guest writes on)", () => LiveBackupAsync(repositoryPath, guest, production, ct), Describe);
        await log.RunAsync($"Let it write {RecordsBetweenBackups} more records", async () =>
            $"it is at record {await production.WaitForMoreRecordsAsync(RecordsBetweenBackups, ct)}");
        var second = await log.RunAsync("Back up the running VM live again (incremental: changed-block tracking)",
            () => LiveBackupAsync(repositoryPath, guest, production, ct), Describe);
        if (second.BaseRestorePointId != first.RestorePointId)
            throw new CliException($"The second live backup read the whole disk, not what changed since {first.RestorePointId}; see `lifeboat list --repo {repositoryPath}`.");
        RestorePointId = second.RestorePointId;
        var backupHash = await RestorePointCheck.Sha256Async(repositoryPath, second.RestorePointId, ct);
        await log.RunAsync("Disaster: the production VM is killed", async () =>
        {
            await production.KillAsync();
            return $"QEMU got SIGKILL, as a power cut would stop it; restore point {second.RestorePointId} is the latest";
        });

        var request = new RecoveryRequest
        {
            Vm = guest.Name,
            RestorePoint = second.RestorePointId,
            ReadyTimeoutSeconds = GuestTimeout.TotalSeconds,
            FirmwareConfig = new Dictionary<string, string>(StringComparer.Ordinal) { [TestGuest.ModeEntry] = GuestMode },
        };
        var ready = await log.RunAsync($"Instant recovery: run the VM from the incremental restore point (guest mode {GuestMode})", () => session.RecoverAsync(request, ct),
            s => $"session {s.Id}: {string.Join(", ", s.Phases.Select(p => $"{SessionFollower.PhaseTitle(p.Phase).ToLowerInvariant()} {SessionFollower.Seconds(PhaseSeconds(s, p))}"))}");
        log.Console.Line($"[green]The guest answers[/] ({Markup.Escape(ready.ReadyWhen)}: the default for a VM the backup recorded with a guest agent channel): " +
            $"recovery time [bold]{SessionFollower.Seconds(session.RecoverySeconds)}[/] from the command to the guest agent's answer.");

        var console = new GuestConsole(server.Client, ready.Id);
        await console.ReadNewAsync(ct);
        ShowBoot(console);

        var marker = await log.RunAsync("Let the guest write (a 1 MiB /data/marker, then a counter every second)", async () =>
        {
            var wrote = await console.WaitForAsync(TestGuest.WroteMarker, 1, GuestTimeout, TestGuest.MarkerPrefix, ShowGuestLine, ct);
            await console.WaitForAsync(TestGuest.TickMarker, 1, GuestTimeout, TestGuest.MarkerPrefix, ShowGuestLine, ct);
            return MarkerValue(wrote, TestGuest.WroteMarker);
        }, hash => $"/data/marker sha256 {hash[..16]}…; the writes land in the session's cache, the backup is only read");

        var datastore = await log.RunAsync("Declare the production folder a datastore (an admin's step: recoveries and migrations write only into declared places)",
            () => DeclareDatastoreAsync(server.Client, Path.Combine(folder, "production"), ct), d => $"{d.Name}: {d.Path}");
        var final = await log.RunAsync("Migrate it live to production storage (QEMU mirror, the VM keeps running)",
            () => session.MigrateAsync(datastore.Path, ct),
            s => $"{string.Join(", ", s.ProductionDisks)}: {Sizes.Format(s.ProductionDisks.Where(File.Exists).Sum(d => new FileInfo(d).Length))} in {SessionFollower.Seconds(session.MigrationSeconds)} " +
                $"({session.MigrationMiBPerSecond?.ToString("0.0", CultureInfo.InvariantCulture)} MiB/s), the VM never paused");
        ProductionDisk = final.ProductionDisks.Count == 1 ? final.ProductionDisks[0] : null;

        await log.RunAsync("See the guest run on from the production file", async () =>
        {
            var ticks = console.Count(TestGuest.TickMarker);
            var last = await console.WaitForAsync(TestGuest.TickMarker, ticks + 2, GuestTimeout, TestGuest.MarkerPrefix, ShowGuestLine, ct);
            if (final.CacheFolder is { } cache && Directory.Exists(cache))
                throw new CliException($"The session is finalized, yet its cache {cache} is still there; see `lifeboat session show {final.Id}`.");
            return $"it ticks on ({last.Trim()}) with its NFS publication and cache gone";
        });

        await log.RunAsync("Power the VM off (it belongs to production now)", async () =>
        {
            if (!await session.PowerOffAsync())
                throw new CliException($"The VM of session {final.Id} stopped before it was powered off; read its console with `lifeboat session console {final.Id}`.");
            return "QEMU flushed the disk and exited; `lifeboat stop` would leave a finalized session's VM alone";
        });

        await log.RunAsync("Read the guest's data on the production disk (debugfs, nothing mounted)", async () =>
        {
            var disk = ProductionDisk ?? throw new CliException($"Session {final.Id} names {final.ProductionDisks.Count} production disks, not one; see `lifeboat session show {final.Id}`.");
            var found = await guest.FileHashAsync(disk, "/data/marker", ct);
            if (found != marker)
                throw new CliException($"/data/marker on {disk} has sha256 {found}, not {marker} the guest wrote: a write was lost; keep {folder} and report it.");
            var counter = Encoding.ASCII.GetString(await guest.ReadFileAsync(disk, "/data/counter", ct)).Trim();
            var records = LastRecordIn(await guest.ReadFileAsync(disk, "/data/records", ct));
            if (records < second.LastRecordBefore || records > second.LastRecordAfter)
            {
                throw new CliException($"/data/records on {disk} ends at record {records}, yet the production VM had synced {second.LastRecordBefore} before the second " +
                    $"backup began and {second.LastRecordAfter} when it ended: its point in time is off; keep {folder} and report it.");
            }

            return $"/data/marker has the sha256 the guest wrote, /data/counter reads {counter}, /data/records ends at record {records} " +
                $"(the production VM had synced {second.LastRecordBefore} when the second backup began, {second.LastRecordAfter} when it ended)";
        });

        await log.RunAsync("Check the backup is unchanged", () => RestorePointCheck.RunAsync(repositoryPath, second.RestorePointId, backupHash, ct));

        await log.RunAsync("File-level restore: /data/records as it was at the first backup (a libguestfs appliance reads the restore point over NBD)", async () =>
        {
            // The first file-level restore on a machine builds libguestfs's appliance, which can take minutes: the
            // files commands' timeout, not the 60 s of the story's other calls.
            using var client = server.Client.WithTimeout(FilesSession.RequestTimeout);
            var (fileSystems, records) = await new QuickstartFileRestore(client).ReadAsync(guest.Name, first.RestorePointId, "/data/records", ct);
            var last = LastRecordIn(records);
            if (last < first.LastRecordBefore || last > first.LastRecordAfter)
            {
                throw new CliException($"/data/records of restore point {first.RestorePointId} ends at record {last}, yet the VM had synced {first.LastRecordBefore} " +
                    $"when that backup began and {first.LastRecordAfter} when it ended; keep {folder} and report it.");
            }

            var found = string.Join(", ", fileSystems.Select(f => $"{f.Name} {f.Type}{(f.Label is null ? "" : $" '{f.Label}'")}"));
            return $"the appliance found {found}; {QuickstartFileRestore.RootFileSystem}:/data/records ends at record {last}, as the VM had written it then " +
                $"(synced {first.LastRecordBefore} to {first.LastRecordAfter} during that backup; the file is {records.Length / 1024} KiB)";
        });
    }

    /// <summary>A live backup as `lifeboat backup --qmp` makes it: the guest frozen through its agent for the point in time, what changed read over NBD.</summary>
    private async Task<QuickstartLiveBackup> LiveBackupAsync(string repositoryPath, TestGuest guest, ProductionGuest production, CancellationToken ct)
    {
        var before = production.LastRecord();
        RestorePointInfo restorePoint;
        using (var repository = RepositoryOpener.Open(repositoryPath))
        {
            var options = new QemuLiveBackupOptions { Vm = guest.Name, WorkDirectory = Path.Combine(folder, LiveBackupFolder) };
            restorePoint = await LiveQemuBackup.RunAsync(repository, production.Qmp, options, null, NullLoggerFactory.Instance, ct);
        }

        var tracking = restorePoint.Disks.Select(d => d.ChangeTracking).ToList();
        var baseId = tracking.All(t => t?.BaseRestorePointId is not null) ? tracking[0]!.BaseRestorePointId : null;
        var backup = new QuickstartLiveBackup(
            restorePoint.Id,
            tracking.Sum(t => t?.BytesRead ?? 0),
            restorePoint.StoredBytes,
            restorePoint.Consistency?.Kind ?? BackupConsistency.CrashConsistent,
            restorePoint.Consistency?.FrozenMilliseconds,
            baseId is not null,
            baseId,
            before,
            production.LastRecord());
        _liveBackups.Add(backup);
        return backup;
    }

    private static string Describe(QuickstartLiveBackup b)
    {
        var frozen = b.FrozenMilliseconds is { } ms ? FormattableString.Invariant($" (the agent froze the guest for {ms:0.0} ms)") : "";
        var tracking = b.ChangeTracking ? $"changed-block tracking since {b.BaseRestorePointId}" : "whole disk read (no changed-block tracking yet)";
        return $"restore point {b.RestorePointId}: {Sizes.Format(b.BytesRead)} read, {Sizes.Format(b.StoredBytes)} stored, {b.Consistency}{frozen}, {tracking}; " +
            $"records {b.LastRecordBefore} to {b.LastRecordAfter} were synced meanwhile";
    }

    /// <summary>The number of the last whole record in the guest's /data/records.</summary>
    private static long LastRecordIn(byte[] records)
    {
        long last = 0;
        foreach (var line in Encoding.ASCII.GetString(records).Split('\n'))
        {
            var fields = line.Split(' ');
            if (fields.Length == 3 && fields[0] == RecordPrefix && long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                last = n;
        }

        return last;
    }

    private void ShowBoot(GuestConsole console)
    {
        var lines = console.Lines.Where(l => l.Length > 0).ToList();
        var shown = lines.Count <= ConsoleLinesShown ? $"{lines.Count} lines" : $"the last {ConsoleLinesShown} of {lines.Count} lines";
        log.Console.Line($"[grey]The guest's boot on its serial console ({shown}):[/]");
        foreach (var line in lines.TakeLast(ConsoleLinesShown))
            log.Detail($"[grey]│[/] {Markup.Escape(line)}");
    }

    private void ShowGuestLine(string line) => log.Detail($"[grey]│[/] [aqua]{Markup.Escape(line)}[/]");

    /// <summary>The last phase is still open when the guest answers: its time so far is up to that moment.</summary>
    private static double? PhaseSeconds(SessionView session, PhaseView phase) =>
        phase.DurationSeconds ?? (session.ReadyAt is { } ready ? (ready - phase.StartedAt).TotalSeconds : null);

    private static string MarkerValue(string line, string marker)
    {
        var value = line[(line.IndexOf(marker, StringComparison.Ordinal) + marker.Length)..].Trim();
        if (value.Length != 64 || !value.All(char.IsAsciiHexDigitLower))
            throw new CliException($"The guest printed \"{line}\", not a SHA-256 after {marker}; rebuild it with tests/guest/build-guest.sh.");
        return value;
    }

    /// <summary>The datastore of <paramref name="folder"/>: declared now, or already by an earlier run on a server that goes on.</summary>
    private static async Task<DatastoreView> DeclareDatastoreAsync(ServerClient client, string folder, CancellationToken ct)
    {
        Directory.CreateDirectory(folder);
        var real = Path.GetFullPath(folder);
        return (await client.ListDatastoresAsync(ct)).FirstOrDefault(d => d.Path == real)
            ?? await client.AddDatastoreAsync(new AddDatastoreRequest(DatastoreName, real), ct);
    }
}
