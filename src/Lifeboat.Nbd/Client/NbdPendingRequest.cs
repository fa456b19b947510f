using System.Buffers;
using Lifeboat.Nbd.Protocol;

namespace Lifeboat.Nbd.Client;

/// <summary>
/// A request sent and not yet answered. Only the receive loop fills it in; a caller that gives up marks it
/// abandoned under the lock, so the receive loop never writes into a buffer its owner has stopped lending.
/// </summary>
internal sealed class NbdPendingRequest
{
    private readonly Lock _lock = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _abandoned;

    public NbdPendingRequest(NbdCommand command, long offset, uint length, Memory<byte> destination, uint contextId)
    {
        Command = command;
        Offset = offset;
        Length = length;
        Destination = destination;
        ContextId = contextId;
    }

    public NbdCommand Command { get; }

    public long Offset { get; }

    public uint Length { get; }

    public Memory<byte> Destination { get; }

    /// <summary>The metadata context whose block status chunk the caller wants.</summary>
    public uint ContextId { get; }

    public List<NbdExtent>? Extents { get; set; }

    /// <summary>Bytes of a READ covered by data and hole chunks so far.</summary>
    public long Received { get; set; }

    public NbdError Error { get; private set; }

    public string? ErrorMessage { get; private set; }

    public Task Completion => _completion.Task;

    public void SetError(NbdError error, string? message)
    {
        // The first error tells the most; later chunks only repeat it.
        if (Error == NbdError.None)
        {
            Error = error == NbdError.None ? NbdError.Inval : error;
            ErrorMessage = message;
        }
    }

    /// <summary>Copies received bytes to <paramref name="position"/> in the caller's buffer, unless it was abandoned.</summary>
    public void CopyIn(in ReadOnlySequence<byte> data, int position)
    {
        lock (_lock)
        {
            if (!_abandoned)
            {
                data.CopyTo(Destination.Span[position..]);
            }
        }
    }

    public void ZeroFill(int position, int length)
    {
        lock (_lock)
        {
            if (!_abandoned)
            {
                Destination.Span.Slice(position, length).Clear();
            }
        }
    }

    public void Abandon(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _abandoned = true;
        }

        _completion.TrySetCanceled(cancellationToken);
    }

    public void Succeed() => _completion.TrySetResult();

    public void Fail(Exception exception) => _completion.TrySetException(exception);
}
