using Microsoft.AspNetCore.Components;

namespace Lifeboat.Server.WebConsole;

/// <summary>
/// A component that re-reads what it shows once the browser is connected, whenever it may have changed, and renders
/// again over the circuit only when it did: the page updates live without a reload. By default it looks again on a
/// timer (consoles, jobs and the audit log change in files and the database without telling anyone); a page whose
/// data raises a change (a session) waits for that instead.
/// </summary>
public abstract class LiveComponent : ComponentBase, IDisposable
{
    private readonly CancellationTokenSource _stop = new();

    /// <summary>How often to look again; short enough that a new step shows within a second.</summary>
    protected virtual TimeSpan Interval => TimeSpan.FromMilliseconds(500);

    /// <summary>Why the last read failed, as one sentence for the page; null when it worked.</summary>
    protected string? ReadError { get; private set; }

    /// <summary>Reads what the component shows; true when it changed since the last read.</summary>
    protected abstract bool Refresh();

    /// <summary>Returns when it is worth reading again: after <see cref="Interval"/> unless a page can be told sooner.</summary>
    protected virtual Task WaitForChangeAsync(CancellationToken cancellationToken) => Task.Delay(Interval, cancellationToken);

    protected override void OnParametersSet() => TryRefresh();

    protected override void OnAfterRender(bool firstRender)
    {
        // Only the interactive render has a first render after prerendering: the loop runs on the circuit.
        if (firstRender)
            _ = WatchAsync(_stop.Token);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
        GC.SuppressFinalize(this);
    }

    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await WaitForChangeAsync(cancellationToken);
                cancellationToken.ThrowIfCancellationRequested();
                if (TryRefresh())
                    await InvokeAsync(StateHasChanged);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            // Not one of the read failures TryRefresh turns into a sentence: the layout's error boundary shows the
            // page failed (and the server logs why) rather than the page silently freezing.
            await InvokeAsync(() => DispatchExceptionAsync(e));
        }
    }

    private bool TryRefresh()
    {
        var hadError = ReadError is not null;
        try
        {
            var changed = Refresh();
            ReadError = null;
            return changed || hadError;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or Microsoft.Data.Sqlite.SqliteException)
        {
            var message = $"The server could not read this page's data ({e.Message.TrimEnd('.')}); it tries again every second.";
            var changed = message != ReadError;
            ReadError = message;
            return changed;
        }
    }
}
