using System.Numerics;
using System.Runtime.CompilerServices;

namespace Lifeboat.Disks.Caching;

/// <summary>
/// Serializes writers whose byte ranges share a 1 MiB region, so that two partial writes to one cluster cannot both
/// fill it from the base and lose each other's bytes. 64 stripes, taken in ascending order, so no deadlock.
/// </summary>
internal sealed class RegionLocks
{
    private const int Stripes = 64;
    private const int RegionShift = 20;

    private readonly SemaphoreSlim[] _stripes = new SemaphoreSlim[Stripes];

    public RegionLocks()
    {
        for (int i = 0; i < Stripes; i++)
            _stripes[i] = new SemaphoreSlim(1, 1);
    }

    /// <summary>Locks the regions of [first, last] (bytes, inclusive); returns the stripes held, for <see cref="Release"/>.</summary>
    public ValueTask<ulong> AcquireAsync(long first, long last, CancellationToken ct) => AcquireMaskAsync(MaskFor(first, last), ct);

    /// <summary>Locks every region: no write can run until <see cref="Release"/>.</summary>
    public ValueTask<ulong> AcquireAllAsync(CancellationToken ct) => AcquireMaskAsync(ulong.MaxValue, ct);

    public void Release(ulong held)
    {
        while (held != 0)
        {
            int stripe = BitOperations.TrailingZeroCount(held);
            _stripes[stripe].Release();
            held &= held - 1;
        }
    }

    private static ulong MaskFor(long first, long last)
    {
        long firstRegion = first >> RegionShift;
        long lastRegion = last >> RegionShift;
        if (lastRegion - firstRegion + 1 >= Stripes)
            return ulong.MaxValue;
        ulong mask = 0;
        for (long r = firstRegion; r <= lastRegion; r++)
            mask |= 1UL << (int)(r % Stripes);
        return mask;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ulong> AcquireMaskAsync(ulong mask, CancellationToken ct)
    {
        ulong held = 0;
        try
        {
            for (ulong rest = mask; rest != 0; rest &= rest - 1)
            {
                int stripe = BitOperations.TrailingZeroCount(rest);
                await _stripes[stripe].WaitAsync(ct);
                held |= 1UL << stripe;
            }
        }
        catch
        {
            Release(held);
            throw;
        }

        return held;
    }
}
