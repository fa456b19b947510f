using Microsoft.Extensions.Logging;

namespace Lifeboat.Testing.Logging;

/// <summary>Hands every category the same <see cref="CollectingLogger{T}"/>, so a test sees all a server logged, in order.</summary>
public sealed class CollectingLoggerFactory : ILoggerFactory
{
    public CollectingLogger<CollectingLoggerFactory> Logger { get; } = new();

    public ILogger CreateLogger(string categoryName) => Logger;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }
}
