using System.Net;
using Lifeboat.Nbd.Client;
using Lifeboat.Nbd.Server;

namespace Lifeboat.LiveBackup.Tests;

/// <summary>
/// <see cref="NbdReadAhead"/> over a real NBD connection to our server in memory, whose device records every read
/// it serves: what the read-ahead foresees is seen arriving at the server before the backup asks for it.
/// </summary>
public sealed class NbdReadAheadTests : IAsyncLifetime
{
    private const int Block = 64 * 1024;
    private const long Size = 16L * 1024 * 1024;
    private const long MiB = 1024 * 1024;

    private readonly RecordingDevice _device = new(Size);
    private NbdServer _server = null!;
    private NbdClient _client = null!;

    public async Task InitializeAsync()
    {
        var exports = new NbdExportTable();
        exports.Set("disk0", _device);
        _server = new NbdServer(exports, new NbdServerOptions { EndPoint = new IPEndPoint(IPAddress.Loopback, 0) });
        _server.Start();
        _client = await NbdClient.ConnectAsync(_server.LocalEndPoint, "disk0");
    }

    public async Task DisposeAsync()
    {
        await _client.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task The_next_reads_of_the_wanted_ranges_are_on_the_wire_before_they_are_asked_for()
    {
        var ahead = new NbdReadAhead(_client, [(0, 2 * MiB)]);

        AssertRead(ahead, 0, Block);
        // Reads as long as the longest so far, as many as the budget allows: twelve of a 64 KiB block.
        Assert.Equal(NbdReadAhead.MaxDepth * Block, ahead.BytesAhead);
        await WaitForReadsAsync([.. Enumerable.Range(1, NbdReadAhead.MaxDepth).Select(i => ((long)i * Block, Block))]);

        // The second read is served from the wire: the server sees no second read of it, only one more ahead.
        AssertRead(ahead, Block, Block);
        await WaitForReadsAsync(((NbdReadAhead.MaxDepth + 1) * Block, Block));
        Assert.Single(_device.Reads, read => read.Offset == Block);
    }

    [Fact]
    public async Task Long_reads_keep_fewer_ahead_so_the_bytes_on_the_wire_stay_bounded()
    {
        var ahead = new NbdReadAhead(_client, [(0, Size)]);

        // The pipeline's spans of a full read: four of 2 MiB ahead, 8 MiB, not twelve.
        AssertRead(ahead, 0, 2 * (int)MiB);
        Assert.Equal(NbdReadAhead.MaxBytesAhead, ahead.BytesAhead);
        await WaitForReadsAsync([.. Enumerable.Range(1, NbdReadAhead.MinDepth).Select(i => (i * 2 * MiB, 2 * (int)MiB))]);
        AssertRead(ahead, 2 * MiB, 2 * (int)MiB);
        Assert.Equal(NbdReadAhead.MaxBytesAhead, ahead.BytesAhead);
    }

    [Fact]
    public async Task Reads_ahead_skip_the_gaps_between_ranges_rounded_to_blocks()
    {
        // A range of 100 bytes reads as its whole block, as the backup pipeline rounds it; the gap to 5 MiB is skipped.
        var ahead = new NbdReadAhead(_client, [(0, Block), (5 * MiB + 10, 100)]);

        AssertRead(ahead, 0, Block);
        await WaitForReadsAsync((5 * MiB, Block));
        AssertRead(ahead, 5 * MiB, Block);
        Assert.Single(_device.Reads, read => read.Offset == 5 * MiB);
        Assert.DoesNotContain(_device.Reads, read => read.Offset is > 0 and < 5 * MiB);
    }

    [Fact]
    public async Task A_read_not_foreseen_is_sent_on_its_own_and_the_reads_ahead_follow_it()
    {
        var ahead = new NbdReadAhead(_client, [(0, 8 * MiB)]);

        AssertRead(ahead, 0, 2 * Block);
        await WaitForReadsAsync((2 * Block, 2 * Block));

        // The backup jumps ahead (say a range it already has): the reads foreseen before the jump are dropped unread.
        AssertRead(ahead, 4 * MiB, Block);
        await WaitForReadsAsync((4 * MiB + Block, 2 * Block));
        AssertRead(ahead, 4 * MiB + Block, 2 * Block);
    }

    [Fact]
    public async Task Reads_ahead_stop_at_the_end_of_the_last_range_and_of_the_disk()
    {
        var ahead = new NbdReadAhead(_client, [(Size - (2 * Block), 4 * Block)]);

        AssertRead(ahead, Size - (2 * Block), Block);
        await WaitForReadsAsync((Size - Block, Block));
        // A range running past the disk is cut at its end: a read ahead past it would fail this read.
        AssertRead(ahead, Size - Block, Block);
    }

    private static void AssertRead(NbdReadAhead ahead, long offset, int length)
    {
        var buffer = new byte[length];
        ahead.Read(offset, buffer);
        for (var i = 0; i < length; i++)
        {
            if (buffer[i] != RecordingDevice.ByteAt(offset + i))
                Assert.Fail($"the read at {offset} has byte {buffer[i]} at {offset + i}, not {RecordingDevice.ByteAt(offset + i)}");
        }
    }

    private Task WaitForReadsAsync(params (long Offset, int Length)[] reads) =>
        Wait.UntilAsync(
            () => reads.All(_device.Reads.Contains),
            () => $"the server to see reads at {string.Join(", ", reads)}; it saw {string.Join(", ", _device.Reads)}");
}
