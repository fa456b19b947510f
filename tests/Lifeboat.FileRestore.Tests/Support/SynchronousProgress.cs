namespace Lifeboat.FileRestore.Tests.Support;

/// <summary>An IProgress that reports on the caller's thread (Progress&lt;T&gt; posts, so it would report late).</summary>
internal sealed class SynchronousProgress(Action<long> report) : IProgress<long>
{
    public void Report(long value) => report(value);
}
