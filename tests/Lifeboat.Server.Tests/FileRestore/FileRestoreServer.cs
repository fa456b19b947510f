using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using Lifeboat.Hypervisors.Qemu;
using Lifeboat.Repository;
using Lifeboat.Server.Api;
using Lifeboat.Server.Contracts.FileRestore;
using Lifeboat.Server.Tests.Support;

namespace Lifeboat.Server.Tests.FileRestore;

/// <summary>
/// One real server for the file-restore tests: the test disks (tests/Lifeboat.Testing/Guests/GuestFileSystemsDisks) backed up twice as VM
/// <see cref="Vm"/> (the second version changes a few files), one pack-file chunk under <see cref="DamagedFile"/>
/// of the first damaged, and a file-restore session open on each restore point (two appliances, started once for every test).
/// </summary>
public sealed class FileRestoreServer : IAsyncLifetime
{
    public const string Vm = "files";

    /// <summary>The file whose chunk is damaged: in the first restore point only (the second changed it).</summary>
    public const string DamagedFile = "sdb1:/xfs/data.bin";

    private static readonly TimeSpan SessionTimeout = TimeSpan.FromMinutes(8);

    private readonly TestFolder _folder = new();

    public ServerProcess Server { get; private set; } = null!;

    /// <summary>Calls that may wait for an appliance (opening a session takes 20-60 s without KVM), with the admin token.</summary>
    public HttpClient Http { get; private set; } = null!;

    public GuestFileSystemsDisks Disks { get; private set; } = null!;

    public string FirstPoint { get; private set; } = "";

    public string SecondPoint { get; private set; } = "";

    public FileRestoreSessionView First { get; private set; } = null!;

    public FileRestoreSessionView Second { get; private set; } = null!;

    public string NbdSocket { get; private set; } = "";

    public int NbdPort { get; private set; }

    /// <summary>The id of the damaged chunk, as `lifeboat verify` names it.</summary>
    public string DamagedChunk { get; private set; } = "";

    public string Scratch(string name) => _folder.Combine(name);

    public async Task InitializeAsync()
    {
        Disks = GuestFileSystemsDisks.Get(RepositoryRoot.Find(), kvm: QemuAccelerator.Detect() == QemuAcceleratorKind.Kvm);
        var control = _folder.Combine("control.sock");
        NbdSocket = Lifeboat.MountServer.Control.ControlSettings.NbdSocketBeside(control);
        NbdPort = FreePorts.Tcp();
        // Its own portmap and NFS ports: the appliance reads over NBD, and 111 and 2049 belong to whichever test holds Port111Lock.
        Server = await ServerProcess.StartAsync(
            _folder.Combine("data"), [.. ServerProcess.OwnPorts(), "--control-socket", control, "--nbd-port", NbdPort.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        Http = new HttpClient { BaseAddress = Server.Http.BaseAddress, Timeout = SessionTimeout };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Server.Token);
        using (var repository = BackupRepository.Open(Server.RepositoryPath, password: null))
        {
            FirstPoint = (await repository.BackupAsync(new BackupRequest(Vm, [Disks.Disk0, Disks.Disk1]))).Id;
            SecondPoint = (await repository.BackupAsync(new BackupRequest(Vm, [Disks.SecondDisk0, Disks.SecondDisk1]))).Id;
        }

        DamageChunkUnder(DamagedFile);
        using (var repository = BackupRepository.Open(Server.RepositoryPath, password: null))
        {
            var report = await repository.VerifyAsync(FirstPoint);
            DamagedChunk = Assert.Single(report.BadChunks).ChunkId;
        }

        First = await OpenAsync(FirstPoint);
        Second = await OpenAsync("latest");
    }

    public async Task<FileRestoreSessionView> OpenAsync(string restorePoint)
    {
        using var answer = await Http.PostAsJsonAsync("api/file-restores", new OpenFileRestoreRequest(Vm, restorePoint), ContractsJsonContext.Default.OpenFileRestoreRequest);
        Assert.True(answer.StatusCode == HttpStatusCode.Created, $"{answer.StatusCode}: {await answer.Content.ReadAsStringAsync()}\n{Server.ReadLog()}");
        return (await answer.Content.ReadFromJsonAsync(ContractsJsonContext.Default.FileRestoreSessionView))!;
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        if (Server is not null)
            await Server.DisposeAsync();
        _folder.Dispose();
    }

    /// <summary>
    /// Flips a byte of the pack-file chunk that holds the middle of <paramref name="file"/>: its content is random, so
    /// the repository stores it as it is (zstd keeps incompressible blocks raw) and 64 bytes of it are found only there.
    /// </summary>
    private void DamageChunkUnder(string file)
    {
        var content = RawTar.Content(4, 5 << 20);
        Assert.Equal(GuestFileSystemsDisks.Files[file], Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(content)));
        var needle = content.AsSpan(content.Length / 2, 64).ToArray();
        var found = new List<(string Pack, long Offset)>();
        foreach (var pack in Directory.EnumerateFiles(Path.Combine(Server.RepositoryPath, "packs"), "*.pack", SearchOption.AllDirectories))
        {
            var bytes = File.ReadAllBytes(pack);
            for (var at = bytes.AsSpan().IndexOf(needle); at >= 0;)
            {
                found.Add((pack, at));
                var next = bytes.AsSpan(at + 1).IndexOf(needle);
                at = next < 0 ? -1 : at + 1 + next;
            }
        }

        var (where, offset) = Assert.Single(found);
        using var stream = new FileStream(where, FileMode.Open, FileAccess.ReadWrite);
        stream.Position = offset;
        var b = stream.ReadByte();
        stream.Position = offset;
        stream.WriteByte((byte)(b ^ 0xFF));
    }

}

[CollectionDefinition(Name)]
public sealed class FileRestoreCollection : ICollectionFixture<FileRestoreServer>
{
    public const string Name = "file restore";
}
