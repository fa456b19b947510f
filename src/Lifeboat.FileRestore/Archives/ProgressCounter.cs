namespace Lifeboat.FileRestore.Archives;

/// <summary>The bytes of file data written so far across a whole selection, reported as they grow.</summary>
internal sealed class ProgressCounter
{
    private readonly IProgress<long>? _progress;

    public ProgressCounter(IProgress<long>? progress) => _progress = progress;

    public long Total { get; private set; }

    public void Add(long bytes)
    {
        Total += bytes;
        _progress?.Report(Total);
    }
}
