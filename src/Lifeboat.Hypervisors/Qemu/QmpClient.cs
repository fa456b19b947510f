using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lifeboat.Hypervisors.Qemu;

/// <summary>
/// A QMP (QEMU Machine Protocol) connection over a unix socket. Commands may be in flight concurrently;
/// answers are matched by id. Events go to <see cref="Events"/>. QEMU serves one client per monitor socket
/// at a time, so dispose the client to let another one connect.
/// </summary>
public sealed class QmpClient : IAsyncDisposable
{
    /// <summary>The longest path a unix socket address holds (sun_path is 108 bytes with its NUL).</summary>
    public const int MaxSocketPathBytes = UnixSocket.MaxPathBytes;

    private const int EventBacklog = 1024;
    private static readonly TimeSpan GreetingTimeout = TimeSpan.FromSeconds(5);

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly string _socketPath;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly CancellationTokenSource _shutdown = new();
    private readonly ConcurrentDictionary<long, PendingCommand> _pending = new();
    private readonly TaskCompletionSource<JsonObject> _greeting = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Channel<QmpEvent> _events = Channel.CreateBounded<QmpEvent>(
        new BoundedChannelOptions(EventBacklog) { FullMode = BoundedChannelFullMode.DropOldest, SingleWriter = true });

    private Task _readLoop = Task.CompletedTask;
    private Exception? _closedReason;
    private long _nextId;
    private int _disposed;

    private QmpClient(Socket socket, string socketPath, ILogger logger)
    {
        _socket = socket;
        _socketPath = socketPath;
        _logger = logger;
        _stream = new NetworkStream(socket, ownsSocket: false);
        _input = PipeReader.Create(_stream, new StreamPipeReaderOptions(leaveOpen: true));
        _output = PipeWriter.Create(_stream, new StreamPipeWriterOptions(leaveOpen: true));
    }

    /// <summary>The greeting QEMU sent on connecting (<c>{"QMP": {"version": ..., "capabilities": ...}}</c>).</summary>
    public JsonObject Greeting { get; private set; } = [];

    /// <summary>QEMU's version from the greeting (major.minor.micro).</summary>
    public Version QemuVersion
    {
        get
        {
            var qemu = Greeting["QMP"]?["version"]?["qemu"];
            return new Version(ReadInt(qemu?["major"]) ?? 0, ReadInt(qemu?["minor"]) ?? 0, ReadInt(qemu?["micro"]) ?? 0);
        }
    }

    /// <summary>
    /// Events in arrival order. The channel keeps the last 1024 unread events and completes when the
    /// connection closes.
    /// </summary>
    public ChannelReader<QmpEvent> Events => _events.Reader;

    /// <summary>The process id of the QEMU at the other end of the socket (SO_PEERCRED), or null when the kernel does not say.</summary>
    public int? PeerProcessId => UnixSocket.PeerProcessId(_socket);

    /// <summary>True until QEMU closes the connection or the client is disposed.</summary>
    public bool IsConnected => Volatile.Read(ref _closedReason) is null;

    /// <summary>Connects, reads QEMU's greeting and leaves capabilities negotiation mode.</summary>
    public static async Task<QmpClient> ConnectAsync(
        string socketPath, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        var socket = await UnixSocket.ConnectAsync(socketPath, "QMP", "check that the VM is running", cancellationToken).ConfigureAwait(false);

        var client = new QmpClient(socket, socketPath, logger ?? NullLogger.Instance);
        try
        {
            client._readLoop = client.ReadLoopAsync();
            try
            {
                client.Greeting = await client._greeting.Task.WaitAsync(GreetingTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException ex)
            {
                throw new IOException(
                    $"QEMU did not greet on {socketPath} within {GreetingTimeout.TotalSeconds:0} s; another client probably holds this monitor (QEMU serves one at a time).",
                    ex);
            }

            await client.ExecuteAsync("qmp_capabilities", cancellationToken: cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Runs a command and returns its <c>return</c> value.</summary>
    /// <param name="arguments">A JSON object, or null for a command without arguments.</param>
    /// <exception cref="QmpException">QEMU answered with an error.</exception>
    /// <exception cref="IOException">The connection closed before the answer came.</exception>
    public Task<JsonNode?> ExecuteAsync(string command, JsonNode? arguments = null, CancellationToken cancellationToken = default)
    {
        if (arguments is not null and not JsonObject)
        {
            throw new ArgumentException($"QMP arguments must be a JSON object, not {arguments.GetValueKind()}.", nameof(arguments));
        }

        return ExecuteCoreAsync(command, arguments is null ? null : writer => arguments.WriteTo(writer), cancellationToken);
    }

    /// <inheritdoc cref="ExecuteAsync(string, JsonNode?, CancellationToken)"/>
    public Task<JsonNode?> ExecuteAsync(string command, JsonElement arguments, CancellationToken cancellationToken = default)
    {
        if (arguments.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException($"QMP arguments must be a JSON object, not {arguments.ValueKind}.", nameof(arguments));
        }

        return ExecuteCoreAsync(command, arguments.WriteTo, cancellationToken);
    }

    /// <summary>Reads events until one named <paramref name="name"/> arrives; the others are discarded.</summary>
    /// <exception cref="IOException">The connection closed first.</exception>
    public async Task<QmpEvent> WaitForEventAsync(string name, CancellationToken cancellationToken = default)
    {
        await foreach (var qmpEvent in _events.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (qmpEvent.Name == name)
            {
                return qmpEvent;
            }
        }

        throw new IOException($"QEMU closed the QMP connection on {_socketPath} before sending the {name} event.");
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _shutdown.CancelAsync().ConfigureAwait(false);
        try
        {
            await _readLoop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        await _input.CompleteAsync().ConfigureAwait(false);
        await _output.CompleteAsync().ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
        _socket.Dispose();
        _shutdown.Dispose();
        _writeLock.Dispose();
    }

    private async Task<JsonNode?> ExecuteCoreAsync(
        string command, Action<Utf8JsonWriter>? writeArguments, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(command);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var id = Interlocked.Increment(ref _nextId);
        var pending = new PendingCommand(command);
        _pending[id] = pending;
        // The read loop fails whatever is pending when it closes; this catches a close that came first.
        if (Volatile.Read(ref _closedReason) is { } closed && _pending.TryRemove(id, out _))
        {
            throw ClosedBeforeAnswer(command, closed);
        }

        try
        {
            await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                WriteCommand(id, command, writeArguments);
                // Not cancellable: a half-written command would corrupt every command after it.
                await _output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            }
            finally
            {
                _writeLock.Release();
            }

            return await pending.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex) when (!pending.Completion.Task.IsCompleted)
        {
            throw ClosedBeforeAnswer(command, ex);
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    private void WriteCommand(long id, string command, Action<Utf8JsonWriter>? writeArguments)
    {
        using (var writer = new Utf8JsonWriter(_output))
        {
            writer.WriteStartObject();
            writer.WriteString("execute"u8, command);
            if (writeArguments is not null)
            {
                writer.WritePropertyName("arguments"u8);
                writeArguments(writer);
            }

            writer.WriteNumber("id"u8, id);
            writer.WriteEndObject();
        }

        _output.Write("\n"u8);
    }

    private async Task ReadLoopAsync()
    {
        Exception reason = new IOException("QEMU closed it; the VM has probably quit.");
        try
        {
            while (true)
            {
                var result = await _input.ReadAsync(_shutdown.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                try
                {
                    while (QmpFraming.TryReadMessage(ref buffer, out var message))
                    {
                        Dispatch(message);
                    }
                }
                finally
                {
                    _input.AdvanceTo(buffer.Start, buffer.End);
                }

                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (_shutdown.IsCancellationRequested)
        {
            reason = new ObjectDisposedException(nameof(QmpClient), "The QMP client was disposed.");
        }
        catch (Exception ex) when (ex is IOException or SocketException or InvalidDataException or JsonException)
        {
            reason = ex;
        }
        finally
        {
            Close(reason);
        }
    }

    private void Dispatch(ReadOnlySequence<byte> message)
    {
        var reader = new Utf8JsonReader(message);
        if (JsonNode.Parse(ref reader) is not JsonObject root)
        {
            throw new InvalidDataException("The QMP peer sent a message that is not a JSON object; it is not a QEMU monitor.");
        }

        if (ReadString(root["event"]) is { } eventName)
        {
            var data = root["data"] as JsonObject;
            root.Remove("data");
            _events.Writer.TryWrite(new QmpEvent(eventName, data, ReadTimestamp(root["timestamp"])));
        }
        else if (root.ContainsKey("return") || root.ContainsKey("error"))
        {
            CompleteCommand(root);
        }
        else if (root["QMP"] is JsonObject)
        {
            _greeting.TrySetResult(root);
        }
        else
        {
            QemuLog.QmpMessageIgnored(_logger, "it is neither an answer, an event nor a greeting");
        }
    }

    private void CompleteCommand(JsonObject answer)
    {
        if (answer["id"] is not JsonValue idValue || !idValue.TryGetValue<long>(out var id))
        {
            QemuLog.QmpMessageIgnored(_logger, "an answer without a numeric id (QEMU sends those for commands it could not parse)");
            return;
        }

        if (!_pending.TryRemove(id, out var pending))
        {
            QemuLog.QmpMessageIgnored(_logger, $"an answer to id {id}, which no caller waits for any more");
            return;
        }

        if (answer["error"] is JsonObject error)
        {
            pending.Completion.TrySetException(new QmpException(
                pending.Command,
                ReadString(error["class"]) ?? "GenericError",
                ReadString(error["desc"]) ?? "(no description)"));
            return;
        }

        var value = answer["return"];
        answer.Remove("return");
        pending.Completion.TrySetResult(value);
    }

    private void Close(Exception reason)
    {
        Volatile.Write(ref _closedReason, reason);
        QemuLog.QmpClosed(_logger, _socketPath, reason.Message);
        _greeting.TrySetException(reason);
        foreach (var id in _pending.Keys)
        {
            if (_pending.TryRemove(id, out var pending))
            {
                pending.Completion.TrySetException(ClosedBeforeAnswer(pending.Command, reason));
            }
        }

        _events.Writer.TryComplete();
    }

    private Exception ClosedBeforeAnswer(string command, Exception reason) => reason is ObjectDisposedException
        ? new ObjectDisposedException(nameof(QmpClient), $"The QMP client was disposed before QEMU answered '{command}'.")
        : new IOException($"The QMP connection on {_socketPath} ended before QEMU answered '{command}': {reason.Message}", reason);

    private static string? ReadString(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static int? ReadInt(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<int>(out var number) ? number : null;

    private static DateTimeOffset ReadTimestamp(JsonNode? node)
    {
        if (node?["seconds"] is JsonValue secondsValue && secondsValue.TryGetValue<long>(out var seconds)
            && node["microseconds"] is JsonValue microsecondsValue && microsecondsValue.TryGetValue<long>(out var microseconds)
            && seconds is >= 0 and < 253_402_300_800 && microseconds is >= 0 and < 1_000_000)
        {
            return DateTimeOffset.FromUnixTimeSeconds(seconds).AddTicks(microseconds * TimeSpan.TicksPerMicrosecond);
        }

        return DateTimeOffset.UtcNow;
    }

    private sealed class PendingCommand(string command)
    {
        public string Command { get; } = command;

        public TaskCompletionSource<JsonNode?> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
