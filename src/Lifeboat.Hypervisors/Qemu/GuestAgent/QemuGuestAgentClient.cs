using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Lifeboat.Hypervisors.Qemu.GuestAgent;

/// <summary>
/// A connection to the QEMU guest agent (qemu-ga) of a VM, through the host end of its agent channel. QEMU owns that
/// socket, so connecting succeeds while the guest still boots: commands wait in the channel until qemu-ga runs, and
/// answers an earlier client left unread may come first. The client therefore synchronizes with
/// <c>guest-sync-delimited</c> before its first command and after any command that did not complete. One command at
/// a time: not thread-safe.
/// </summary>
public sealed class QemuGuestAgentClient : IGuestAgent, IAsyncDisposable
{
    /// <summary>The name of the guest agent's virtio-serial port, which qemu-ga looks for in the guest.</summary>
    public const string PortName = "org.qemu.guest_agent.0";

    private const int ReadBufferBytes = 4096;

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly PipeReader _input;
    private readonly ArrayBufferWriter<byte> _output = new(256);

    // A random start keeps this client's ids apart from those of earlier clients whose answers may still come.
    private long _nextId = RandomNumberGenerator.GetInt32(1, int.MaxValue);
    private bool _inSync;
    private Exception? _broken;
    private int _disposed;

    private QemuGuestAgentClient(Socket socket, string socketPath)
    {
        _socket = socket;
        SocketPath = socketPath;
        _stream = new NetworkStream(socket, ownsSocket: false);
        _input = PipeReader.Create(_stream, new StreamPipeReaderOptions(bufferSize: ReadBufferBytes, leaveOpen: true));
    }

    public string SocketPath { get; }

    /// <summary>Connects to the host end of a VM's guest agent channel.</summary>
    /// <exception cref="IOException">Nothing listens there: the VM is not running, or it has no agent channel.</exception>
    public static async Task<QemuGuestAgentClient> ConnectAsync(string socketPath, CancellationToken cancellationToken = default)
    {
        var socket = await UnixSocket.ConnectAsync(
            socketPath, "guest agent", "check that the VM runs and has a guest agent channel", cancellationToken).ConfigureAwait(false);

        return new QemuGuestAgentClient(socket, socketPath);
    }

    /// <summary><c>guest-ping</c>: completes when the agent answers.</summary>
    /// <inheritdoc cref="ExecuteAsync" path="/exception"/>
    public Task PingAsync(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        ExecuteAsync("guest-ping", null, timeout, cancellationToken);

    /// <summary>Runs an agent command (synchronizing first when needed) and returns its <c>return</c> value.</summary>
    /// <param name="timeout">For the whole exchange, synchronization included.</param>
    /// <exception cref="TimeoutException">The agent did not answer in time: it does not run (yet). The connection stays usable.</exception>
    /// <exception cref="GuestAgentException">The agent answered with an error.</exception>
    /// <exception cref="IOException">The connection closed (the VM quit) or carried something no agent sends; connect again.</exception>
    public async Task<JsonNode?> ExecuteAsync(string command, JsonObject? arguments, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(command);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (_broken is { } broken)
        {
            throw new IOException($"The guest agent connection on {SocketPath} is broken ({broken.Message}); connect again.", broken);
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        // Whatever interrupts the exchange leaves an answer in flight: only a complete exchange keeps the stream in sync.
        var wasInSync = _inSync;
        _inSync = false;
        JsonObject answer;
        try
        {
            if (!wasInSync)
            {
                await SynchronizeAsync(deadline.Token).ConfigureAwait(false);
            }

            var id = _nextId++;
            await SendAsync(command, arguments, id, deadline.Token).ConfigureAwait(false);
            answer = await ReadAnswerAsync(id, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException(
                $"The guest agent did not answer '{command}' within {timeout.TotalSeconds:0.#} s on {SocketPath}: qemu-ga does not run in the guest (yet).", ex);
        }
        catch (Exception ex) when (ex is IOException or SocketException or InvalidDataException)
        {
            _broken = ex;
            throw ex as IOException ?? new IOException($"The guest agent connection on {SocketPath} failed: {ex.Message}", ex);
        }

        _inSync = true;
        if (answer["error"] is JsonObject error)
        {
            throw new GuestAgentException(command, ReadString(error["class"]) ?? "GenericError", ReadString(error["desc"]) ?? "(no description)");
        }

        return answer["return"];
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _input.CompleteAsync().ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
        _socket.Dispose();
    }

    /// <summary>
    /// Sends 0xFF (which resets the agent's parser, whatever an earlier client left half-written) and
    /// <c>guest-sync-delimited</c> with a fresh id, then drops everything up to the answer carrying that id.
    /// </summary>
    private async Task SynchronizeAsync(CancellationToken cancellationToken)
    {
        var id = _nextId++;
        _output.ResetWrittenCount();
        _output.Write([QgaFraming.Sentinel]);
        using (var writer = new Utf8JsonWriter(_output))
        {
            writer.WriteStartObject();
            writer.WriteString("execute"u8, "guest-sync-delimited"u8);
            writer.WriteStartObject("arguments"u8);
            writer.WriteNumber("id"u8, id);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        _output.Write("\n"u8);
        await _stream.WriteAsync(_output.WrittenMemory, cancellationToken).ConfigureAwait(false);

        var afterSentinel = false;
        while (true)
        {
            var result = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var synchronized = false;
            try
            {
                while (!synchronized)
                {
                    if (!afterSentinel && !QgaFraming.TrySkipPastSentinel(ref buffer))
                    {
                        break;
                    }

                    afterSentinel = true;
                    if (!QgaFraming.TryReadMessage(ref buffer, out var line))
                    {
                        break;
                    }

                    afterSentinel = false;
                    synchronized = QgaFraming.IsSyncAnswer(QgaFraming.Parse(line), id);
                }
            }
            finally
            {
                _input.AdvanceTo(buffer.Start, buffer.End);
            }

            if (synchronized)
            {
                return;
            }

            if (result.IsCompleted)
            {
                throw ClosedBeforeAnswer("guest-sync-delimited");
            }
        }
    }

    private async Task SendAsync(string command, JsonObject? arguments, long id, CancellationToken cancellationToken)
    {
        _output.ResetWrittenCount();
        using (var writer = new Utf8JsonWriter(_output))
        {
            writer.WriteStartObject();
            writer.WriteString("execute"u8, command);
            if (arguments is not null)
            {
                writer.WritePropertyName("arguments"u8);
                arguments.WriteTo(writer);
            }

            writer.WriteNumber("id"u8, id);
            writer.WriteEndObject();
        }

        _output.Write("\n"u8);
        await _stream.WriteAsync(_output.WrittenMemory, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads answers until the one that echoes <paramref name="id"/>; answers to earlier commands are dropped.</summary>
    private async Task<JsonObject> ReadAnswerAsync(long id, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            JsonObject? answer = null;
            try
            {
                while (answer is null && QgaFraming.TryReadMessage(ref buffer, out var line))
                {
                    var candidate = QgaFraming.Parse(line);
                    if (QgaFraming.HasId(candidate, id))
                    {
                        answer = candidate;
                    }
                }
            }
            finally
            {
                _input.AdvanceTo(buffer.Start, buffer.End);
            }

            if (answer is not null)
            {
                return answer;
            }

            if (result.IsCompleted)
            {
                throw ClosedBeforeAnswer("its command");
            }
        }
    }

    private IOException ClosedBeforeAnswer(string what) =>
        new($"The guest agent channel {SocketPath} closed before the agent answered {what}; the VM has probably quit.");

    private static string? ReadString(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}
