using System.IO.Pipelines;
using System.Net.Sockets;

namespace Lifeboat.Transport;

/// <summary>The two ends a connection reads and writes: a socket's, or an in-memory pipe's.</summary>
public sealed class ConnectionTransport
{
    private readonly Socket? _socket;
    private readonly PipeWriter? _pipeOutput;

    private ConnectionTransport(PipeReader input, ConnectionOutput output, Socket? socket, PipeWriter? pipeOutput = null, bool readsOnOwnThread = false)
    {
        Input = input;
        Output = output;
        _socket = socket;
        _pipeOutput = pipeOutput;
        ReadsOnOwnThread = readsOnOwnThread;
    }

    public PipeReader Input { get; }

    public ConnectionOutput Output { get; }

    /// <summary>The accepted socket, or null for a connection in memory.</summary>
    public Socket? Socket => _socket;

    /// <summary>The input's reads wait on the calling thread: the connection's read loop runs on a thread of its own.</summary>
    public bool ReadsOnOwnThread { get; }

    /// <summary>Reads through a pipe over the socket (at most <paramref name="receiveBufferSize"/> bytes a read), writes gathered to it.</summary>
    public static ConnectionTransport ForSocket(Socket socket, int receiveBufferSize) => new(
        CreateReader(new NetworkStream(socket, ownsSocket: false), receiveBufferSize),
        new SocketOutput(socket),
        socket);

    /// <summary>
    /// Reads wait in poll(2) on the read loop's own thread (<see cref="PolledSocketStream"/>), writes gathered to the
    /// socket: a request wakes its loop directly instead of through the runtime's event thread and a thread-pool worker.
    /// </summary>
    public static ConnectionTransport ForSocketOnOwnThread(Socket socket, int receiveBufferSize) => new(
        CreateReader(new PolledSocketStream(socket), receiveBufferSize),
        new SocketOutput(socket),
        socket,
        readsOnOwnThread: true);

    /// <summary>A connection driven in memory: the peer writes to one pipe and reads the other.</summary>
    public static ConnectionTransport ForPipe(IDuplexPipe pipe) => new(pipe.Input, new PipeOutput(pipe.Output), null, pipe.Output);

    public static PipeReader CreateReader(Stream stream, int receiveBufferSize) =>
        PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: receiveBufferSize, minimumReadSize: receiveBufferSize / 4));

    /// <summary>Wakes a read waiting on the loop's own thread: the connection is stopping and reads no more.</summary>
    public void WakeReader()
    {
        if (!ReadsOnOwnThread)
        {
            return;
        }

        try
        {
            _socket?.Shutdown(SocketShutdown.Receive);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }

    /// <summary>Wakes a send blocked on a peer that stopped reading; safe to call more than once.</summary>
    public void Shutdown()
    {
        if (_pipeOutput is not null)
        {
            Input.CancelPendingRead();
            _pipeOutput.CancelPendingFlush();
            return;
        }

        try
        {
            _socket?.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }

    /// <summary>Closes the socket, or completes the pipe's output so its reader sees the end.</summary>
    public void Dispose()
    {
        _socket?.Dispose();
        _pipeOutput?.Complete();
    }
}
