using Lifeboat.FileRestore.Archives.Tar;
using Lifeboat.FileRestore.Archives.Zip;

namespace Lifeboat.FileRestore.Archives;

/// <summary>
/// A selection written as a zip. Zip has no hard links (the walker copies the original again) and no devices or fifos:
/// those are left out, as Info-ZIP's zip leaves them out.
/// </summary>
internal sealed class ZipSink : IEntrySink
{
    private readonly ZipWriter _writer;

    public ZipSink(Stream destination) => _writer = new ZipWriter(destination);

    public bool KeepsHardLinks => false;

    public ValueTask WriteEntryAsync(TarEntry entry, CancellationToken cancellationToken) =>
        entry.Kind is TarEntryKind.Directory or TarEntryKind.Symlink ? _writer.WriteEntryAsync(entry, cancellationToken) : ValueTask.CompletedTask;

    public ValueTask<Stream> BeginFileAsync(TarEntry entry, CancellationToken cancellationToken) => _writer.BeginFileAsync(entry, cancellationToken);

    public ValueTask EndFileAsync(CancellationToken cancellationToken) => _writer.EndFileAsync(cancellationToken);

    public ValueTask FinishAsync(CancellationToken cancellationToken) => _writer.FinishAsync(cancellationToken);
}
