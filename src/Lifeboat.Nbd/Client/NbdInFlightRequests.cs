using System.Collections.Concurrent;
using Lifeboat.Nbd.Protocol;

namespace Lifeboat.Nbd.Client;

/// <summary>
/// The requests sent and not yet answered, each under the cookie its reply will carry: at most
/// <see cref="NbdClientOptions.MaxInFlight"/> at once (a caller past that waits for a slot), so replies may come
/// back in any order.
/// </summary>
internal sealed class NbdInFlightRequests(int maxInFlight)
{
    private readonly SemaphoreSlim _slots = new(maxInFlight, maxInFlight);
    private long _nextCookie;

    /// <summary>The receive side looks replies up here by cookie.</summary>
    public ConcurrentDictionary<ulong, NbdPendingRequest> ByCookie { get; } = new();

    /// <summary>Waits for a slot, then registers <paramref name="pending"/> under a new cookie.</summary>
    public async ValueTask<ulong> AddAsync(NbdPendingRequest pending, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        var cookie = (ulong)Interlocked.Increment(ref _nextCookie);
        ByCookie[cookie] = pending;
        return cookie;
    }

    /// <summary>Takes a request back before it is sent; false when the receive side already took it to fail it.</summary>
    public bool TryWithdraw(ulong cookie)
    {
        if (!ByCookie.TryRemove(cookie, out _))
        {
            return false;
        }

        _slots.Release();
        return true;
    }

    /// <summary>The whole reply to <paramref name="cookie"/> arrived: its slot frees and its caller wakes.</summary>
    public void Finish(ulong cookie, NbdPendingRequest pending)
    {
        if (!ByCookie.TryRemove(cookie, out _))
        {
            return;
        }

        _slots.Release();
        if (pending.Command == NbdCommand.Read && pending.Error == NbdError.None && pending.Received != pending.Length)
        {
            pending.SetError(NbdError.Io, $"the server ended the reply after {pending.Received} of {pending.Length} bytes");
        }

        pending.Succeed();
    }

    /// <summary>The connection ended: every request still waiting fails with the error <paramref name="failure"/> makes for it.</summary>
    public void FailAll(Func<NbdPendingRequest, Exception> failure)
    {
        foreach (var cookie in ByCookie.Keys)
        {
            if (ByCookie.TryRemove(cookie, out var pending))
            {
                pending.Fail(failure(pending));
            }
        }
    }
}
