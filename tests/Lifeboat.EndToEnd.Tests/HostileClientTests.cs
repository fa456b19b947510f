using System.Security.Cryptography;
using Xunit.Abstractions;

namespace Lifeboat.EndToEnd.Tests;

/// <summary>
/// Bytes no correct client sends, against a running `lifeboat mount-server`: each gets an error reply or a
/// closed connection, and the server goes on serving everyone else.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class HostileClientTests(PublishedServer published, ITestOutputHelper output) : IClassFixture<PublishedServer>
{
    private const uint NfsProgram = 100003;
    private const uint MountProgram = 100005;
    private const int OversizedAttempts = 200;
    private const long MaxResidentBytes = 300L * 1024 * 1024;

    /// <summary>Far beyond any record the server accepts (about 1 MiB), but small enough for loopback to carry quickly.</summary>
    private const int MaxEndlessRecordBytes = 64 * 1024 * 1024;

    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task A_record_cut_short_by_the_client_closing_is_dropped()
    {
        using (var connection = await RawRpcConnection.ConnectAsync(published.Port))
        {
            var call = RpcMessages.Call(1, NfsProgram, 3, 0);
            Assert.True(await connection.TrySendAsync(RpcRecords.Mark(RpcRecords.LastFragment | 200)));
            Assert.True(await connection.TrySendAsync(call));
            connection.EndSending();
            Assert.True(await connection.WaitUntilClosedAsync(CloseTimeout), "the server kept a connection open whose client ended mid-record");
        }

        await published.AssertStillServesAsync("a record cut short");
    }

    [Theory]
    [InlineData(4)]
    [InlineData(12)]
    [InlineData(36)]
    public async Task A_complete_record_holding_a_truncated_call_header_gets_an_error_or_is_closed(int headerBytes)
    {
        var call = RpcMessages.Call(7, MountProgram, 3, 0);
        await AssertErrorReplyOrClosedAsync(RpcRecords.Record(call.AsSpan(0, headerBytes)), xid: 7);
        await published.AssertStillServesAsync($"a call header cut to {headerBytes} bytes");
    }

    [Fact]
    public async Task Oversized_record_lengths_close_the_connection_and_do_not_grow_memory()
    {
        var before = published.Server.ResidentBytes();
        for (var attempt = 0; attempt < OversizedAttempts; attempt++)
        {
            using var connection = await RawRpcConnection.ConnectAsync(published.Port);
            // 2 GiB and about 2 MiB (twice the largest record the server takes), with and without the last-fragment bit.
            var length = attempt % 2 == 0 ? 0x7FFF_FFFFu : (uint)(2 * 1024 * 1024) + (uint)attempt;
            var mark = attempt % 4 < 2 ? RpcRecords.LastFragment | length : length;
            Assert.True(await connection.TrySendAsync(RpcRecords.Fragment(mark, RandomNumberGenerator.GetBytes(64))));
            Assert.True(await connection.WaitUntilClosedAsync(CloseTimeout), $"attempt {attempt}: the server kept reading a record announced as {length} bytes");
        }

        var after = published.Server.ResidentBytes();
        output.WriteLine($"Mount server RSS: {before / (1024 * 1024)} MiB before, {after / (1024 * 1024)} MiB after {OversizedAttempts} oversized records");
        Assert.True(after < MaxResidentBytes, $"the mount server holds {after / (1024 * 1024)} MiB after {OversizedAttempts} oversized records");
        await published.AssertStillServesAsync($"{OversizedAttempts} oversized records");
    }

    [Fact]
    public async Task A_record_whose_fragments_never_end_is_cut_off()
    {
        using (var connection = await RawRpcConnection.ConnectAsync(published.Port))
        {
            var closed = connection.WaitUntilClosedAsync(TimeSpan.FromMinutes(2));
            using var stalled = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            var fragment = new byte[4096];
            var sent = 0L;
            // Fragments without the last-fragment bit: a record that never ends unless the server stops it.
            while (!closed.IsCompleted && sent < MaxEndlessRecordBytes
                   && await connection.TrySendAsync(RpcRecords.Fragment((uint)fragment.Length, fragment), stalled.Token))
            {
                sent += fragment.Length + 4;
            }

            Assert.True(sent < MaxEndlessRecordBytes, $"the server took {sent} bytes of one unfinished record without closing the connection");
            Assert.True(await closed, "the server did not close the connection of an endless record");
        }

        await published.AssertStillServesAsync("a record of endless fragments");
    }

    [Fact]
    public async Task A_fragment_that_never_ends_does_not_hold_up_other_clients()
    {
        using var connection = await RawRpcConnection.ConnectAsync(published.Port);
        var call = RpcMessages.Call(9, NfsProgram, 3, 0);
        const int announced = 1000;
        Assert.True(await connection.TrySendAsync(RpcRecords.Fragment(RpcRecords.LastFragment | announced, call)));

        // The client stalls with most of its record owed; the others are served meanwhile.
        await published.AssertStillServesAsync("a fragment left unfinished on another connection");

        // Its connection was kept intact: once the record is complete, the call is answered.
        Assert.True(await connection.TrySendAsync(new byte[announced - call.Length]));
        var (outcome, xid) = RpcReplyOutcomes.Of(await connection.ReceiveReplyAsync());
        Assert.True(outcome is RpcReplyOutcome.Success or RpcReplyOutcome.GarbageArguments, $"the completed NULL call got {outcome}");
        Assert.Equal(9u, xid);
    }

    [Fact]
    public async Task Junk_bytes_in_a_record_get_an_error_or_a_closed_connection()
    {
        for (var round = 0; round < 20; round++)
        {
            var junk = RandomNumberGenerator.GetBytes(RandomNumberGenerator.GetInt32(8, 600));
            junk[4] = 0xAB; // whatever else comes, it is not a CALL (0) and needs no reply
            await AssertErrorReplyOrClosedAsync(RpcRecords.Record(junk), xid: null);
        }

        await published.AssertStillServesAsync("records of random bytes");
    }

    [Theory]
    [InlineData(NfsProgram, 3u, 1u)] // GETATTR: a file handle whose length runs past the record
    [InlineData(NfsProgram, 3u, 6u)] // READ
    [InlineData(NfsProgram, 3u, 7u)] // WRITE
    [InlineData(MountProgram, 3u, 1u)] // MNT: a path whose length runs past the record
    public async Task Calls_whose_arguments_are_junk_get_garbage_args_or_a_closed_connection(uint program, uint version, uint procedure)
    {
        var arguments = RpcMessages.Words(0xFFFF_FFF0, 0xDEAD_BEEF, 7);
        var (outcome, _) = await SendAsync(RpcRecords.Record(RpcMessages.Call(21, program, version, procedure, arguments: arguments)));
        Assert.True(outcome is RpcReplyOutcome.GarbageArguments or RpcReplyOutcome.Closed,
            $"program {program} v{version} procedure {procedure} with junk arguments got {outcome}");
        await published.AssertStillServesAsync($"junk arguments to program {program} procedure {procedure}");
    }

    [Fact]
    public async Task Unknown_programs_versions_and_rpc_versions_get_the_errors_rfc_5531_names()
    {
        Assert.Equal((RpcReplyOutcome.ProgramUnavailable, 31u), await SendAsync(RpcRecords.Record(RpcMessages.Call(31, 0x2000_0099, 1, 0))));
        Assert.Equal((RpcReplyOutcome.ProgramMismatch, 32u), await SendAsync(RpcRecords.Record(RpcMessages.Call(32, NfsProgram, 4, 0))));
        Assert.Equal((RpcReplyOutcome.ProcedureUnavailable, 33u), await SendAsync(RpcRecords.Record(RpcMessages.Call(33, NfsProgram, 3, 99))));
        Assert.Equal((RpcReplyOutcome.RpcMismatch, 34u), await SendAsync(RpcRecords.Record(RpcMessages.Call(34, NfsProgram, 3, 0, rpcVersion: 3))));
        await published.AssertStillServesAsync("calls to unknown programs and versions");
    }

    private async Task AssertErrorReplyOrClosedAsync(byte[] record, uint? xid)
    {
        var (outcome, repliedXid) = await SendAsync(record);
        Assert.True(outcome != RpcReplyOutcome.Success, $"a malformed record of {record.Length} bytes got a successful reply");
        if (outcome != RpcReplyOutcome.Closed && xid is { } expected)
        {
            Assert.Equal(expected, repliedXid);
        }
    }

    private async Task<(RpcReplyOutcome Outcome, uint Xid)> SendAsync(byte[] record)
    {
        using var connection = await RawRpcConnection.ConnectAsync(published.Port);
        if (!await connection.TrySendAsync(record))
        {
            return (RpcReplyOutcome.Closed, 0);
        }

        return RpcReplyOutcomes.Of(await connection.ReceiveReplyAsync());
    }
}
