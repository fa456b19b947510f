using System.Globalization;
using Lifeboat.Server.Tests.Support;

namespace Lifeboat.Server.Tests.WebConsole;

/// <summary>One real server (no guest; NFS, NBD and portmap on ports of its own) and one chromium for every test of a class or collection.</summary>
public sealed class AdminConsoleFixture : IAsyncLifetime
{
    private readonly TestFolder _folder = new();

    public ServerProcess Server { get; private set; } = null!;

    public ConsoleBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        // Portmap on a port of its own (not 111, which other tests take turns on): a session's check of the mount server asks it.
        Server = await ServerProcess.StartAsync(_folder.Combine("data"), "--portmap-port", FreePorts.Tcp().ToString(CultureInfo.InvariantCulture),
            "--nfs-port", "0", "--nbd-port", "0");
        Browser = await ConsoleBrowser.StartAsync(Server.Http.BaseAddress!);
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        await Server.DisposeAsync();
        _folder.Dispose();
    }
}

/// <summary>
/// The console's administration (users, tokens, jobs, datastores, a fresh server's first admin): its classes share one
/// server and one chromium, started once for all of them, and run one after another.
/// </summary>
[CollectionDefinition(Name)]
public sealed class AdminConsoleCollection : ICollectionFixture<AdminConsoleFixture>
{
    public const string Name = "admin console";
}

/// <summary>A class of the admin console's collection: its tests reach the shared server and chromium through these.</summary>
public abstract class AdminConsoleTest(AdminConsoleFixture fixture)
{
    protected ServerProcess Server => fixture.Server;

    protected ConsoleBrowser Browser => fixture.Browser;
}
