namespace Lifeboat.FileRestore.Archives;

/// <summary>Passes a file's bytes to its entry and counts them into the selection's running total.</summary>
internal sealed class ProgressStream : WriteOnlyStream
{
    private readonly Stream _inner;
    private readonly ProgressCounter _counter;

    public ProgressStream(Stream inner, ProgressCounter counter)
    {
        _inner = inner;
        _counter = counter;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _inner.WriteAsync(buffer, cancellationToken);
        _counter.Add(buffer.Length);
    }
}
