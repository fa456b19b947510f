using System.IO.Pipelines;

namespace Lifeboat.Testing.Network;

/// <summary>
/// A connection in memory between a server's connection handler (<see cref="Server"/>) and a test's client: each
/// direction a pipe that stops its writer once <c>pauseBytes</c> are unread, as a socket's buffers fill up.
/// </summary>
public sealed class MemoryConnection
{
    private readonly Pipe _toServer;
    private readonly Pipe _toClient;

    public MemoryConnection(long pauseBytes = 1 << 20)
    {
        var options = new PipeOptions(pauseWriterThreshold: pauseBytes, resumeWriterThreshold: pauseBytes / 2, useSynchronizationContext: false);
        _toServer = new Pipe(options);
        _toClient = new Pipe(options);
        Server = new DuplexPipe(_toServer.Reader, _toClient.Writer);
        Client = new DuplexStream(_toClient.Reader.AsStream(), _toServer.Writer.AsStream());
    }

    /// <summary>The server's side: it reads what the client wrote and writes what the client reads.</summary>
    public IDuplexPipe Server { get; }

    /// <summary>The client's side as a stream.</summary>
    public Stream Client { get; }

    /// <summary>The client's side as pipes: what it writes to the server, and what it reads from it.</summary>
    public PipeWriter ToServer => _toServer.Writer;

    public PipeReader FromServer => _toClient.Reader;

    /// <summary>Everything the server writes until it completes its output; then the client's reading side completes too.</summary>
    public async Task<byte[]> ReadAllFromServerAsync()
    {
        using var output = new MemoryStream();
        while (true)
        {
            var result = await FromServer.ReadAsync();
            foreach (var segment in result.Buffer)
            {
                output.Write(segment.Span);
            }

            FromServer.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                break;
            }
        }

        await FromServer.CompleteAsync();
        return output.ToArray();
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input => input;

        public PipeWriter Output => output;
    }

    private sealed class DuplexStream(Stream input, Stream output) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => input.Read(buffer, offset, count);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => input.ReadAsync(buffer, cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => input.ReadAsync(buffer, offset, count, cancellationToken);

        public override void Write(byte[] buffer, int offset, int count) => output.Write(buffer, offset, count);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => output.WriteAsync(buffer, cancellationToken);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => output.WriteAsync(buffer, offset, count, cancellationToken);

        public override void Flush() => output.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => output.FlushAsync(cancellationToken);

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                input.Dispose();
                output.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
