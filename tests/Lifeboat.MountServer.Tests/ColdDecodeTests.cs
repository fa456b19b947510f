using System.Net;
using Lifeboat.Disks;
using Lifeboat.MountServer.Publishing;
using Lifeboat.Nfs.Datastore;
using Lifeboat.Nfs.Nfs3;
using Lifeboat.Nfs.Server;

namespace Lifeboat.MountServer.Tests;

/// <summary>
/// A cold READ decodes off the connection's read loop: while one READ's decode is held (a base that must decode
/// and blocks its thread until released, as a synchronous decrypt-and-decompress does), other calls on the same
/// connection are answered, then the READ completes with the right bytes. A read from anywhere else decodes on its
/// caller's thread.
/// </summary>
public sealed class ColdDecodeTests : IDisposable
{
    private const int DiskSize = 1 << 20;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly string _folder = Directory.CreateTempSubdirectory("lifeboat-cold-").FullName;

    [Fact]
    public async Task A_held_decode_does_not_stop_other_calls_on_the_same_connection()
    {
        var decode = new HeldDecodeBase(DiskSize);
        await using var disk = PublishedDisk.Open(decode, Path.Combine(_folder, "cache"), new PublishedDiskOptions { Hydration = false });
        await using var server = new NfsServer(new NfsServerOptions { EndPoint = new IPEndPoint(IPAddress.Loopback, 0), PortmapPort = 0 });
        await server.StartAsync();
        server.Publish("vm1", [], [new PublishedDatastoreDisk(disk)], Path.Combine(_folder, "publication"));
        await using var client = await NfsTestClient.ConnectAsync(server.Port);
        var root = await client.MountOkAsync(server.Datastore.ExportPath);
        var file = await client.LookupOkAsync(await client.LookupOkAsync(root, "vm1"), DatastoreNames.RawDisk(0));

        var read = client.ReadAsync(file, 65536, 4096);
        try
        {
            await decode.Entered.Task.WaitAsync(Patience);

            // The decode is held on a thread of its own; the connection answers meanwhile.
            var (status, attributes) = await client.GetAttrAsync(file).WaitAsync(Patience);
            Assert.Equal(Nfs3Status.Ok, status);
            Assert.Equal((ulong)DiskSize, attributes.Size);
            Assert.Equal(Nfs3Status.Ok, (await client.LookupAsync(root, "vm1").WaitAsync(Patience)).Status);
            Assert.False(read.IsCompleted);
            Assert.Equal(1, decode.Decoding);
        }
        finally
        {
            // Also when the connection did not answer: a held decode would hold the server's stop forever.
            decode.Release();
        }

        var result = await read.WaitAsync(Patience);
        Assert.Equal(Nfs3Status.Ok, result.Status);
        Assert.Equal(HeldDecodeBase.Expected(65536, 4096), result.Data);
    }

    [Fact]
    public async Task A_decode_off_a_read_loop_runs_on_its_callers_thread()
    {
        // A pipelined-call runner, read-ahead or a completion is already off the loop: a hop would only add a thread switch.
        var decode = new HeldDecodeBase(DiskSize);
        decode.Release();
        await using var disk = PublishedDisk.Open(decode, Path.Combine(_folder, "cache"), new PublishedDiskOptions { Hydration = false });
        var buffer = new byte[4096];
        var caller = Environment.CurrentManagedThreadId;

        var read = disk.ReadAsync(65536, buffer);

        Assert.True(read.IsCompletedSuccessfully);
        Assert.Equal(4096, await read);
        Assert.Equal(caller, decode.LastDecodeThread);
        Assert.Equal(HeldDecodeBase.Expected(65536, 4096), buffer);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>A base whose every read must decode, and whose decodes block their thread until the test releases them.</summary>
    private sealed class HeldDecodeBase(long length) : IBaseDisk
    {
        private readonly ManualResetEventSlim _released = new();
        private int _decoding;

        public long Length => length;

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Decoding => Volatile.Read(ref _decoding);

        public int LastDecodeThread { get; private set; }

        public static byte[] Expected(long offset, int count) => [.. Enumerable.Range(0, count).Select(i => (byte)((offset + i) * 7 % 251))];

        public bool MustDecode(long offset, int count) => true;

        public void Release() => _released.Set();

        public ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken ct)
        {
            Interlocked.Increment(ref _decoding);
            LastDecodeThread = Environment.CurrentManagedThreadId;
            Entered.TrySetResult();
            _released.Wait(ct);
            Interlocked.Decrement(ref _decoding);
            var count = (int)Math.Min(buffer.Length, length - offset);
            Expected(offset, count).CopyTo(buffer.Span);
            return ValueTask.FromResult(count);
        }

        public void Dispose() => _released.Dispose();
    }
}
