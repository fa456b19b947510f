namespace Lifeboat.Server.Sessions;

/// <summary>
/// Bounds the verifications that boot at once by the host's CPUs and memory; the others queue. Instant recoveries
/// never wait here: a verification must not delay a real recovery.
/// </summary>
public sealed class VerificationSlots(int count)
{
    private const long HostReserveMiB = 512;

    private readonly SemaphoreSlim _slots = new(Math.Max(1, count), Math.Max(1, count));

    public int Count { get; } = Math.Max(1, count);

    /// <summary>Waits for a slot and for memory enough for a VM of <paramref name="memoryMiB"/>; dispose the result to give it back.</summary>
    public async Task<IDisposable> AcquireAsync(int memoryMiB, TimeProvider time, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (AvailableMemoryMiB() is { } available && available < memoryMiB + HostReserveMiB && _slots.CurrentCount < Count - 1)
                await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _slots.Release();
            throw;
        }

        return new Slot(_slots);
    }

    /// <summary>MemAvailable of /proc/meminfo; null where it cannot be read.</summary>
    private static long? AvailableMemoryMiB()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/meminfo"))
            {
                if (line.StartsWith("MemAvailable:", StringComparison.Ordinal)
                    && long.TryParse(line["MemAvailable:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture, out var kib))
                    return kib / 1024;
            }
        }
        catch (IOException)
        {
        }

        return null;
    }

    private sealed class Slot(SemaphoreSlim slots) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
                slots.Release();
        }
    }
}
