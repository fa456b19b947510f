using Lifeboat.Server.Contracts.FileRestore;

namespace Lifeboat.Cli.Commands;

/// <summary>
/// The file-restore session a `lifeboat files` command works in: one it opens and closes when done (even when cancelled),
/// or one given with --session, left open.
/// </summary>
internal sealed class FilesSession : IAsyncDisposable
{
    /// <summary>Opening waits for an appliance to start: tens of seconds without KVM, more on a busy machine.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromMinutes(10);

    private readonly bool _owned;

    private FilesSession(FilesClient client, FileRestoreSessionView view, bool owned)
    {
        Client = client;
        View = view;
        _owned = owned;
    }

    public FilesClient Client { get; }

    public FileRestoreSessionView View { get; }

    public string Id => View.Id;

    public static async Task<FilesSession> OpenAsync(string target, string? sessionId, CancellationToken ct)
    {
        var parsed = FilesTarget.Parse(target);
        var client = new FilesClient(new ServerClient(timeout: RequestTimeout));
        try
        {
            if (sessionId is not null)
            {
                var existing = await client.GetAsync(sessionId, ct);
                if (existing.Vm != parsed.Vm)
                    throw new CliException($"File-restore session {sessionId} reads VM {existing.Vm}, not {parsed.Vm}; give that VM, or leave --session out to open a session on {parsed}.");
                return new FilesSession(client, existing, owned: false);
            }

            if (!Console.IsErrorRedirected)
                Console.Error.WriteLine($"Opening a file-restore session on {parsed} (an appliance starts: tens of seconds without KVM)…");
            var view = await client.OpenAsync(parsed.Vm, parsed.RestorePoint, ct);
            return new FilesSession(client, view, owned: true);
        }
        catch
        {
            client.Server.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_owned)
                await Client.CloseAsync(Id, CancellationToken.None);
        }
        catch (CliException e)
        {
            Console.Error.WriteLine($"lifeboat: file-restore session {Id} was not closed ({e.Message}); it closes itself once idle.");
        }
        finally
        {
            Client.Server.Dispose();
        }
    }
}
