using Microsoft.Extensions.Logging;

namespace Lifeboat.Fuzz;

/// <summary>Counts log entries by level and keeps the first unexpected one (a connection failure), without holding every line.</summary>
internal sealed class CountingLogger<T> : ILogger<T>
{
    private readonly int[] _counts = new int[7];

    public string? FirstCritical { get; private set; }

    public int Count(LogLevel level) => Volatile.Read(ref _counts[(int)level]);

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        Interlocked.Increment(ref _counts[(int)logLevel]);
        if (logLevel >= LogLevel.Error && FirstCritical is null)
        {
            FirstCritical = $"{formatter(state, exception)} {exception}";
        }
    }
}
