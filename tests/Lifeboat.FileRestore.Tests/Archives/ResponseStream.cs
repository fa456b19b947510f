using Lifeboat.FileRestore.Archives;

namespace Lifeboat.FileRestore.Tests.Archives;

/// <summary>A file written as an HTTP response body is: forward only, no seeking, no length.</summary>
internal sealed class ResponseStream : WriteOnlyStream
{
    private readonly Stream _file;

    public ResponseStream(Stream file) => _file = file;

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => _file.WriteAsync(buffer, cancellationToken);

    public override Task FlushAsync(CancellationToken cancellationToken) => _file.FlushAsync(cancellationToken);
}
