using Lifeboat.Hypervisors.Qemu.LiveBackup;
using Lifeboat.Nbd.Client;
using Lifeboat.Repository.DiskImages;

namespace Lifeboat.LiveBackup;

/// <summary>
/// A running VM's disk at its point in time, read over NBD from QEMU's export of the fleecing view. The ranges
/// (what holds data, what changed since the base restore point) are asked for with NBD block status before the
/// backup starts; the pipeline's reader then reads synchronously, with the next reads already on the wire
/// (<see cref="NbdReadAhead"/>).
/// </summary>
public sealed class NbdDiskSource : IIncrementalDiskSource
{
    public const string AllocationContext = "base:allocation";
    private const uint ZeroFlag = 2; // base:allocation: reads as zeroes
    private const uint DirtyFlag = 1; // qemu:dirty-bitmap: written since the bitmap started

    private readonly NbdClient _client;
    private readonly List<(long Offset, long Length)> _allocated;
    private readonly List<(long Offset, long Length)> _changed;
    private readonly NbdReadAhead _readAhead;
    private long _bytesRead;

    private NbdDiskSource(NbdClient client, string format, string? baseRestorePointId, string? fullReadReason, string trackingId,
        List<(long, long)> allocated, List<(long, long)> changed)
    {
        _client = client;
        Format = format;
        BaseRestorePointId = baseRestorePointId;
        FullReadReason = fullReadReason;
        TrackingId = trackingId;
        _allocated = allocated;
        _changed = changed;
        _readAhead = new NbdReadAhead(client, baseRestorePointId is null ? allocated : changed);
    }

    public long Length => _client.Size;

    public string Format { get; }

    public string? BaseRestorePointId { get; }

    public string? FullReadReason { get; }

    public string? TrackingId { get; }

    /// <summary>Bytes of changed ranges, or of data for a full read: what the backup will read.</summary>
    public long BytesToRead => (BaseRestorePointId is null ? _allocated : _changed).Sum(r => r.Length);

    public long BytesRead => Interlocked.Read(ref _bytesRead);

    /// <param name="changedContext">The dirty bitmap's meta context, or null to read everything that holds data.</param>
    public static async Task<NbdDiskSource> OpenAsync(
        LiveBackupNbdServer server, string exportName, string format, string? changedContext, string? baseRestorePointId, string? fullReadReason, string trackingId,
        CancellationToken cancellationToken)
    {
        string[] contexts = changedContext is null ? [AllocationContext] : [AllocationContext, changedContext];
        var options = new NbdClientOptions { MetaContexts = contexts, Tls = ClientTls(server.Tls) };
        var client = await NbdClient.ConnectAsync(server.EndPoint, exportName, options, cancellationToken).ConfigureAwait(false);
        try
        {
            // Both queries on the wire at once: the client matches each reply to its request.
            var allocatedQuery = RangesAsync(client, AllocationContext, e => (e.Flags & ZeroFlag) == 0, cancellationToken);
            var changedQuery = changedContext is null ? Task.FromResult(new List<(long, long)>()) : RangesAsync(client, changedContext, e => (e.Flags & DirtyFlag) != 0, cancellationToken);
            await Task.WhenAll(allocatedQuery, changedQuery).ConfigureAwait(false);
            return new NbdDiskSource(client, format, changedContext is null ? null : baseRestorePointId, changedContext is null ? fullReadReason : null, trackingId,
                await allocatedQuery.ConfigureAwait(false), await changedQuery.ConfigureAwait(false));
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public int Read(long offset, Span<byte> buffer)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (offset >= Length)
        {
            return 0;
        }

        int count = (int)Math.Min(buffer.Length, Length - offset);
        try
        {
            // The pipeline's reader is one thread of its own: waiting here holds no one else up.
            _readAhead.Read(offset, buffer[..count]);
        }
        catch (Exception ex) when (ex is NbdException or IOException)
        {
            throw new DiskSourceException($"Reading export '{_client.ExportName}' over NBD failed at offset {offset} ({ex.Message}); nothing of this backup was kept.", ex);
        }

        Interlocked.Add(ref _bytesRead, count);
        return count;
    }

    public IEnumerable<(long Offset, long Length)> GetAllocatedRanges() => _allocated;

    public IEnumerable<(long Offset, long Length)> GetChangedRanges() => _changed;

    public void Dispose()
    {
        _readAhead.Clear();
        _client.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <exception cref="DiskSourceException">A TLS file cannot be read; the message names it.</exception>
    private static NbdClientTlsOptions? ClientTls(LiveBackupNbdTls? tls)
    {
        try
        {
            return tls is null ? null : NbdClientTlsOptions.FromPemFiles(tls.CaPath, tls.ClientCertificatePath, tls.ClientKeyPath, tls.ServerName);
        }
        catch (ArgumentException ex)
        {
            throw new DiskSourceException(ex.Message, ex);
        }
    }

    private static async Task<List<(long, long)>> RangesAsync(NbdClient client, string context, Func<NbdExtent, bool> wanted, CancellationToken cancellationToken)
    {
        var extents = await client.BlockStatusAsync(context, 0, client.Size, cancellationToken).ConfigureAwait(false);
        var ranges = new List<(long, long)>();
        foreach (var extent in extents)
        {
            if (!wanted(extent))
            {
                continue;
            }

            if (ranges.Count > 0 && ranges[^1].Item1 + ranges[^1].Item2 == extent.Offset)
            {
                ranges[^1] = (ranges[^1].Item1, ranges[^1].Item2 + extent.Length);
            }
            else
            {
                ranges.Add((extent.Offset, extent.Length));
            }
        }

        return ranges;
    }
}
