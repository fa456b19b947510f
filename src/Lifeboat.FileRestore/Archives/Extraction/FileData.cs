using Microsoft.Win32.SafeHandles;

namespace Lifeboat.FileRestore.Archives.Extraction;

/// <summary>A new file's bytes written at their offsets; runs of zeros are left as holes, so a sparse guest file stays sparse.</summary>
internal sealed class FileData : WriteOnlyStream
{
    private readonly SafeFileHandle _file;

    public FileData(SafeFileHandle file) => _file = file;

    public long Written { get; private set; }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.Span.ContainsAnyExcept((byte)0))
            await RandomAccess.WriteAsync(_file, buffer, Written, cancellationToken);
        Written += buffer.Length;
    }

    /// <summary>Sets the file's length to what was written (a trailing hole has no write to make it).</summary>
    public void Complete() => RandomAccess.SetLength(_file, Written);
}
