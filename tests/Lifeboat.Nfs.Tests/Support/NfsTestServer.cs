using System.Net;
using System.Text;
using Lifeboat.Nfs.Datastore;
using Lifeboat.Nfs.Server;

namespace Lifeboat.Nfs.Tests.Support;

/// <summary>
/// A mount server on a free loopback port, without portmap, publishing "vm1": two generated files and one 4 MiB
/// disk of random bytes held in memory.
/// </summary>
internal sealed class NfsTestServer : IAsyncDisposable
{
    public const string Publication = "vm1";
    public const string ConfigName = "lifeboat.json";
    public const int DiskSize = 4 * 1024 * 1024;
    public static readonly byte[] ConfigContent = Encoding.UTF8.GetBytes("{\"vm\":\"vm1\",\"disks\":1}\n");
    public static readonly byte[] VmxContent = Encoding.UTF8.GetBytes("displayName = \"vm1\"\nscsi0:0.fileName = \"disk0.vmdk\"\n");

    private readonly TestFolder _folder;
    private readonly bool _ownsFolder;

    private NfsTestServer(NfsServer server, TestFolder folder, bool ownsFolder, MemoryDisk disk)
    {
        Server = server;
        _folder = folder;
        _ownsFolder = ownsFolder;
        Disk = disk;
    }

    public NfsServer Server { get; }

    public MemoryDisk Disk { get; }

    public int Port => Server.Port;

    public DatastoreFileSystem Datastore => Server.Datastore;

    public string CacheFolder => _folder.Combine("cache-" + Publication);

    /// <summary>How many scans of the publication's client files folder the server made to place a file handle.</summary>
    public long Rescans => Datastore.Publications.Single().Tree.Rescans;

    /// <summary>The real folder behind what clients create in the publication.</summary>
    public string ClientFilesFolder => Datastore.Publications.Single().ClientFilesFolder;

    /// <summary>
    /// Starts a server. Give <paramref name="folder"/> and <paramref name="disk"/> of an earlier server (and the same
    /// datastore id) to restart it over the same state.
    /// </summary>
    public static async Task<NfsTestServer> StartAsync(
        TestFolder? folder = null,
        MemoryDisk? disk = null,
        ulong datastoreId = 0x1234,
        NfsClientAllowList? allowed = null,
        int portmapPort = 0,
        Microsoft.Extensions.Logging.ILoggerFactory? loggerFactory = null,
        TimeSpan? minRescanInterval = null)
    {
        var ownsFolder = folder is null;
        folder ??= new TestFolder();
        disk ??= MemoryDisk.Random(DiskSize, seed: 7);
        var options = new NfsServerOptions
        {
            EndPoint = new IPEndPoint(IPAddress.Loopback, 0),
            PortmapPort = portmapPort,
            AllowedClients = allowed ?? NfsClientAllowList.LoopbackOnly,
            Datastore = new DatastoreOptions { DatastoreId = datastoreId, MinRescanInterval = minRescanInterval ?? TimeSpan.FromSeconds(1) },
        };
        var server = new NfsServer(options, loggerFactory);
        await server.StartAsync();
        var test = new NfsTestServer(server, folder, ownsFolder, disk);
        server.Publish(Publication, [new DatastoreFile(ConfigName, ConfigContent), new DatastoreFile("vm1.vmx", VmxContent)], [disk], test.CacheFolder);
        return test;
    }

    public Task<NfsTestClient> ConnectAsync(OncRpc.Rpc.RpcCredentials? credentials = null) => NfsTestClient.ConnectAsync(Port, credentials);

    public string Url(string path) => $"nfs://127.0.0.1/lifeboat/{path}?nfsport={Port}&mountport={Port}";

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        if (_ownsFolder)
        {
            _folder.Dispose();
        }
    }
}
