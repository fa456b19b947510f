using Lifeboat.FileRestore.Archives.Tar;

namespace Lifeboat.FileRestore.Archives;

/// <summary>A selection written as a tar (folders named with a trailing '/', as GNU tar writes them).</summary>
internal sealed class TarSink : IEntrySink
{
    private readonly TarWriter _writer;
    private readonly DataStream _data;

    public TarSink(Stream destination)
    {
        _writer = new TarWriter(destination);
        _data = new DataStream(_writer);
    }

    public bool KeepsHardLinks => true;

    public ValueTask WriteEntryAsync(TarEntry entry, CancellationToken cancellationToken) =>
        _writer.WriteHeaderAsync(entry.Kind == TarEntryKind.Directory && entry.Name[^1] != (byte)'/' ? entry with { Name = [.. entry.Name, (byte)'/'] } : entry, cancellationToken);

    public async ValueTask<Stream> BeginFileAsync(TarEntry entry, CancellationToken cancellationToken)
    {
        await _writer.WriteHeaderAsync(entry, cancellationToken);
        return _data;
    }

    public ValueTask EndFileAsync(CancellationToken cancellationToken) => _writer.EndEntryAsync(cancellationToken);

    public ValueTask FinishAsync(CancellationToken cancellationToken) => _writer.FinishAsync(cancellationToken);

    private sealed class DataStream : WriteOnlyStream
    {
        private readonly TarWriter _writer;

        public DataStream(TarWriter writer) => _writer = writer;

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            _writer.WriteDataAsync(buffer, cancellationToken);
    }
}
