using Lifeboat.FileRestore.Archives.Extraction;

namespace Lifeboat.FileRestore.Archives;

/// <summary>
/// A selection of a restore point's paths written into a folder on this machine (<c>files get … --to DIR</c>), each under
/// its own name as in <see cref="SelectionArchive"/>, with modes and mtimes (and owners when running as root), and never
/// anything outside the folder whatever the guest's names and links say.
/// </summary>
public static class SelectionExtractor
{
    /// <summary>The skipped entries a path's report lists by name (the rest are counted).</summary>
    public const int MaxSkippedListed = 1000;

    /// <summary>
    /// Extracts each path in turn; a path that fails (a read error, a hostile name, a file that exists already) is reported
    /// with its error and the others go on. The folder is created when missing.
    /// </summary>
    public static async Task<ExtractionReport> ExtractAsync(
        IGuestFileSource source,
        IReadOnlyList<GuestPath> paths,
        string directory,
        ExtractionOptions? options,
        IProgress<long>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (paths.Count == 0)
            throw new FileRestoreException("No path was selected; select at least one file or folder.", "paths");
        options ??= new ExtractionOptions();
        var full = Path.GetFullPath(directory);
        Directory.CreateDirectory(full);
        using var root = LibC.OpenAt(null, System.Text.Encoding.UTF8.GetBytes(full), LibC.OpenRootFlags, 0)
            ?? throw new FileRestoreException($"Could not open the folder {full}: {System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(LibC.Errno)}.", "directory");
        var owners = LibC.IsRoot;
        var counter = new ProgressCounter(progress);
        var tops = EntryNames.TopNames(paths);
        var reports = new List<ExtractedPath>(paths.Count);
        for (var i = 0; i < paths.Count; i++)
        {
            using var sink = new DirectorySink(root, full, options.Overwrite, owners);
            string? error = null;
            try
            {
                await new SelectionWalker(source, sink, counter).WriteAsync(paths[i], tops[i], cancellationToken);
            }
            catch (FileRestoreException e)
            {
                error = e.Message;
            }

            try
            {
                sink.Finish();
            }
            catch (FileRestoreException e)
            {
                error ??= e.Message;
            }

            reports.Add(new ExtractedPath(paths[i], GuestText.Escape(tops[i]), sink.Entries, sink.Bytes, sink.Skipped, sink.SkippedCount, error));
        }

        return new ExtractionReport(
            reports,
            owners,
            owners ? null : "Owners were not kept: only root can give files to other users, so the files belong to the user who extracted them.");
    }
}
