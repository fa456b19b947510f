using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Lifeboat.Testing.Logging;

/// <summary>Keeps every log entry, at every level, so tests can check what the server said about what it dropped.</summary>
public sealed class CollectingLogger<T> : ILogger<T>
{
    private readonly ConcurrentQueue<(LogLevel Level, EventId Event, string Message)> _entries = new();

    public IReadOnlyCollection<(LogLevel Level, EventId Event, string Message)> Entries => _entries;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _entries.Enqueue((logLevel, eventId, formatter(state, exception)));

    public bool Contains(LogLevel level, string text) => _entries.Any(e => e.Level == level && e.Message.Contains(text, StringComparison.Ordinal));
}
