using System.Buffers;
using System.IO.Pipes;

namespace Lifeboat.FileRestore.Guestfs;

/// <summary>
/// Streams what a libguestfs call writes to a local file (download, tar-out) into a .NET stream through a pipe:
/// the call writes <c>/dev/fd/N</c> of the pipe's write end on the worker's thread while this reads the other end,
/// so nothing lands on disk and a slow destination slows the appliance (the pipe is the backpressure).
/// </summary>
internal static class PipeCopy
{
    private const int BufferSize = 1 << 20;

    public static async Task RunAsync(
        GuestfsWorker worker,
        Action<GuestfsConnection, string> call,
        Stream destination,
        IProgress<long>? progress,
        CancellationToken cancellationToken)
    {
        using var pipe = new AnonymousPipeServerStream(PipeDirection.In, HandleInheritability.None);
        var writeEnd = $"/dev/fd/{pipe.ClientSafePipeHandle.DangerousGetHandle()}";
        var writing = worker.RunAsync(
            connection =>
            {
                call(connection, writeEnd);
                return true;
            },
            cancellationToken);
        // The reader sees the end only when every write end is closed: libguestfs closes the one it opened, this the other.
        _ = writing.ContinueWith(_ => pipe.DisposeLocalCopyOfClientHandle(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            long copied = 0;
            int read;
            while ((read = await pipe.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false)) > 0)
            {
                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                copied += read;
                progress?.Report(copied);
            }
        }
        catch
        {
            // The call may be blocked writing into the pipe: cancel it and close the read end so its write fails.
            worker.CancelTransfer();
            pipe.Dispose();
            try
            {
                await writing.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is GuestfsException or OperationCanceledException or ObjectDisposedException)
            {
                // The reader's own exception is the one to report.
            }

            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        await writing.ConfigureAwait(false);
    }
}
