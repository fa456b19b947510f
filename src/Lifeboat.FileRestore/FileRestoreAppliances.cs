using Microsoft.Extensions.Logging;

namespace Lifeboat.FileRestore;

/// <summary>
/// Opens file-restore browsers (one appliance each) within a memory budget: each reserves its memory plus overhead
/// (<see cref="FileRestoreApplianceOptions.ReservedMegabytes"/>) while it runs, and one more is refused when the budget
/// is spent. Browsers idle longer than the idle timeout are shut down.
/// </summary>
public sealed class FileRestoreAppliances : IAsyncDisposable
{
    private readonly FileRestoreApplianceOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly HashSet<FileRestoreBrowser> _open = [];
    private readonly ITimer _sweep;
    private int _reserved;

    public FileRestoreAppliances(FileRestoreApplianceOptions options, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.ReservedMegabytes > options.BudgetMegabytes)
            throw new FileRestoreException($"One appliance needs {options.ReservedMegabytes} MiB but the budget is {options.BudgetMegabytes} MiB; raise the budget or lower the appliance's memory.", "budgetMegabytes");
        (_options, _time, _logger) = (options, time, logger);
        var period = options.IdleTimeout / 4 < TimeSpan.FromSeconds(30) ? options.IdleTimeout / 4 : TimeSpan.FromSeconds(30);
        _sweep = time.CreateTimer(_ => _ = CloseIdleAsync(), null, period, period);
    }

    /// <summary>How many appliances run now.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
                return _open.Count;
        }
    }

    /// <summary>The MiB of the budget the running (and starting) appliances hold.</summary>
    public int ReservedMegabytes => Volatile.Read(ref _reserved);

    /// <summary>Starts an appliance over a restore point's disks; dispose the browser to end it and free its memory.</summary>
    /// <exception cref="FileRestoreException">The memory budget is spent (field <c>memory</c>), or the appliance did not start.</exception>
    public async Task<FileRestoreBrowser> OpenAsync(IReadOnlyList<GuestDrive> drives, CancellationToken cancellationToken)
    {
        var need = _options.ReservedMegabytes;
        lock (_gate)
        {
            if (_reserved + need > _options.BudgetMegabytes)
            {
                throw new FileRestoreException(
                    $"The file-restore appliances running now hold {_reserved} of the {_options.BudgetMegabytes} MiB they may use and another needs {need} MiB; close a file-restore session or raise the memory budget.",
                    "memory");
            }

            _reserved += need;
        }

        FileRestoreBrowser browser;
        try
        {
            browser = await FileRestoreBrowser.LaunchAsync(drives, _options, _time, _logger, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Release(need);
            throw;
        }

        browser.Closed = () =>
        {
            lock (_gate)
                _open.Remove(browser);
            Release(need);
        };
        lock (_gate)
            _open.Add(browser);
        return browser;
    }

    /// <summary>Shuts down every browser unused for longer than the idle timeout (the sweep timer calls it too).</summary>
    public async Task CloseIdleAsync()
    {
        var now = _time.GetUtcNow();
        List<FileRestoreBrowser> idle;
        lock (_gate)
            idle = _open.Where(browser => !browser.IsBusy && now - browser.LastUsed > _options.IdleTimeout).ToList();
        foreach (var browser in idle)
        {
            FileRestoreLog.ApplianceIdle(_logger, browser.Name, now - browser.LastUsed);
            await browser.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _sweep.DisposeAsync().ConfigureAwait(false);
        List<FileRestoreBrowser> open;
        lock (_gate)
            open = [.. _open];
        foreach (var browser in open)
            await browser.DisposeAsync().ConfigureAwait(false);
    }

    private void Release(int megabytes)
    {
        lock (_gate)
            _reserved -= megabytes;
    }
}
