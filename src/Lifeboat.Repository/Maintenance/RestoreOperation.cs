using Lifeboat.Repository.Manifests;
using Lifeboat.Repository.Storage;

namespace Lifeboat.Repository.Maintenance;

/// <summary>
/// Writes a restore point's disks as sparse raw files: each to a temporary name (by <see cref="DiskRestore"/>: decoded
/// and written on every core in disk order, zero blocks left as holes), fsynced, and renamed to `&lt;name&gt;.raw`
/// only after every disk is complete.
/// </summary>
internal sealed partial class RestoreOperation
{
    private const string PartialSuffix = ".lifeboat-partial";

    private readonly Func<string, int, RestorePointDisk> _openDisk;

    public RestoreOperation(Func<string, int, RestorePointDisk> openDisk) => _openDisk = openDisk;

    public async Task<RestoreResult> RunAsync(
        RestorePointManifest manifest,
        string targetDirectory,
        RestoreOptions options,
        IProgress<RestoreProgress>? progress,
        CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(targetDirectory);
        var names = TargetNames(manifest.Header.Disks);
        var finals = names.Select(n => Path.Combine(targetDirectory, n)).ToArray();
        foreach (string final in finals)
        {
            if (File.Exists(final))
            {
                throw new RepositoryException($"'{final}' already exists; restore into an empty folder or delete that file first.");
            }
        }

        var partials = names.Select(n => Path.Combine(targetDirectory, "." + n + PartialSuffix)).ToArray();
        var badRanges = new List<BadRange>();
        long total = manifest.Header.Disks.Sum(d => d.Size);
        var counters = new RestoreCounters();
        using var reporting = new CancellationTokenSource();
        var reporter = PeriodicProgress.RunAsync(progress, () => new RestoreProgress(counters.Done, total), reporting.Token);
        bool complete = false;
        try
        {
            for (int d = 0; d < finals.Length; d++)
            {
                var diskHeader = manifest.Header.Disks[d];
                using var disk = _openDisk(manifest.Header.Id, d);
                using var handle = File.OpenHandle(partials[d], FileMode.Create, FileAccess.ReadWrite, FileShare.None);
                RandomAccess.SetLength(handle, diskHeader.Size);
                var restore = new DiskRestore(disk, diskHeader, handle, options, counters, badRanges);
                // Its threads block in writes: threads of their own (and one waiting for them), not the pool's.
                await Task.Factory.StartNew(
                    () => restore.Run(Environment.ProcessorCount, cancellationToken),
                    cancellationToken,
                    TaskCreationOptions.LongRunning,
                    TaskScheduler.Default).ConfigureAwait(false);
                RandomAccess.FlushToDisk(handle);
            }

            for (int d = 0; d < finals.Length; d++)
            {
                File.Move(partials[d], finals[d], overwrite: false);
            }

            DurableFile.SyncDirectory(Path.GetFullPath(targetDirectory));
            complete = true;
        }
        catch (IOException ex) when (StorageErrors.IsDiskFull(ex))
        {
            throw new RepositoryException($"The file system of '{targetDirectory}' is full: free space on it or restore elsewhere; nothing was restored.", ex);
        }
        finally
        {
            await reporting.CancelAsync().ConfigureAwait(false);
            await reporter.ConfigureAwait(false);
            if (!complete)
            {
                foreach (string partial in partials)
                {
                    DurableFile.TryDelete(partial);
                }
            }
        }

        progress?.Report(new RestoreProgress(total, total));
        var ranges = badRanges.OrderBy(r => r.DiskIndex).ThenBy(r => r.Offset).ToArray();
        return new RestoreResult(finals, counters.Written, ranges);
    }

    /// <summary>
    /// `name.raw` from each disk's source file name, or `diskN.raw` when names clash or are unusable (a source
    /// itself named like another disk's fallback, e.g. `disk1.img` as disk 0, takes its own fallback too).
    /// </summary>
    public static string[] TargetNames(IReadOnlyList<ManifestDisk> disks)
    {
        var wanted = disks.Select(d => Path.GetFileNameWithoutExtension(Path.GetFileName(d.Name)) + ".raw").ToArray();
        var names = new string[wanted.Length];
        for (int i = 0; i < wanted.Length; i++)
        {
            bool unusable = wanted[i].Length <= 4 || wanted[i].StartsWith('.') || wanted[i].AsSpan().IndexOfAny(Path.GetInvalidFileNameChars()) >= 0
                || (FallbackName().IsMatch(wanted[i]) && wanted[i] != $"disk{i}.raw");
            bool clash = wanted.Where((n, j) => j != i && string.Equals(n, wanted[i], StringComparison.OrdinalIgnoreCase)).Any();
            names[i] = unusable || clash ? $"disk{i}.raw" : wanted[i];
        }

        return names;
    }

    [System.Text.RegularExpressions.GeneratedRegex("^disk[0-9]+\\.raw$", System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex FallbackName();
}
