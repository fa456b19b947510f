using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using Lifeboat.Hypervisors.Qemu.GuestAgent;
using Lifeboat.Repository;
using Lifeboat.Server.Api;
using Lifeboat.Server.Contracts.FileRestore;
using Lifeboat.Server.Sessions;
using Lifeboat.Server.Tests.Support;

namespace Lifeboat.Server.Tests.FileRestore;

/// <summary>
/// One real server, the test guest backed up with two files of known content, owner, mode and time under /data/known,
/// that restore point recovered on the local QEMU host and running with its agent as VM <see cref="VmName"/>, and a
/// file-restore session open on the same restore point (one guest boot and one appliance for every test of the class).
/// </summary>
public sealed class RunningRestoreTarget : IAsyncLifetime
{
    public const string Vm = "guest";
    public const string VmName = "restore-target";
    public const string FileA = "sda2:/data/known/a.bin";
    public const string FileB = "sda2:/data/known/b.txt";
    public const string FolderKnown = "sda2:/data/known";

    /// <summary>a.bin's owner, mode and time in the backup.</summary>
    public static readonly DateTimeOffset ModifiedA = new(2021, 3, 4, 5, 6, 7, TimeSpan.Zero);

    private static readonly TimeSpan SessionTimeout = TimeSpan.FromMinutes(8);
    private static readonly TimeSpan ExecTimeout = TimeSpan.FromSeconds(60);

    private readonly TestFolder _folder = new();

    public ServerProcess Server { get; private set; } = null!;

    public RestorePointInfo Backup { get; private set; } = null!;

    public SessionView Session { get; private set; } = null!;

    public FileRestoreSessionView Files { get; private set; } = null!;

    public byte[] ContentA { get; } = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 17);

    public byte[] ContentB { get; } = "known text of b\n"u8.ToArray();

    public string HashA => Hash(ContentA);

    public string HashB => Hash(ContentB);

    public static string Hash(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public async Task InitializeAsync()
    {
        var guest = new GuestImage();
        var disk = await PrepareDiskAsync(guest);
        var control = _folder.Combine("control.sock");
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            var nbdPort = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            Server = await ServerProcess.StartAsync(_folder.Combine("data"), "--control-socket", control, "--nbd-port", nbdPort.ToString(CultureInfo.InvariantCulture));
        }

        Backup = await Server.BackupAsync(Vm, disk, guest.HardwareJson);
        Session = await Recovery.RecoverUntilReadyAsync(Server, new RecoveryRequest { Vm = Vm, RestorePoint = Backup.Id, Name = VmName, ReadyWhen = "agent" });
        using var http = new HttpClient { BaseAddress = Server.Http.BaseAddress, Timeout = SessionTimeout };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Server.Token);
        using var answer = await http.PostAsJsonAsync("api/file-restores", new OpenFileRestoreRequest(Vm, Backup.Id), ContractsJsonContext.Default.OpenFileRestoreRequest);
        Assert.True(answer.StatusCode == HttpStatusCode.Created, $"{answer.StatusCode}: {await answer.Content.ReadAsStringAsync()}\n{Server.ReadLog()}");
        Files = (await answer.Content.ReadFromJsonAsync(ContractsJsonContext.Default.FileRestoreSessionView))!;
    }

    /// <summary>Runs a program in the recovered guest through its agent (the test's own connection to the channel); its output.</summary>
    public async Task<string> RunInGuestAsync(string program, params string[] arguments)
    {
        await using var agent = await QemuGuestAgentClient.ConnectAsync(Path.Combine(Session.RuntimeDirectory!, "qga.sock"));
        var result = await GuestExec.RunAsync(agent, program, arguments, null, ExecTimeout);
        Assert.True(result.Succeeded, $"{program} {string.Join(' ', arguments)} in the guest: exit {result.ExitCode}: {result.Error}");
        return result.Output;
    }

    public async Task<string> GuestHashAsync(string path) => (await RunInGuestAsync("/bin/sha256sum", path)).Split(' ')[0];

    public async Task DisposeAsync()
    {
        if (Server is not null)
            await Server.DisposeAsync();
        _folder.Dispose();
    }

    /// <summary>A copy of the guest's disk that stays up once booted, with /data/known/a.bin (0640, 1234:2345, <see cref="ModifiedA"/>) and b.txt.</summary>
    private async Task<string> PrepareDiskAsync(GuestImage guest)
    {
        var disk = _folder.Combine("guest-known.raw");
        File.Copy(guest.RawDisk, disk);
        await File.WriteAllTextAsync(_folder.Combine("mode"), "stay");
        await File.WriteAllBytesAsync(_folder.Combine("a.bin"), ContentA);
        await File.WriteAllBytesAsync(_folder.Combine("b.txt"), ContentB);
        var commands = _folder.Combine("debugfs.cmd");
        await File.WriteAllTextAsync(commands, string.Join('\n',
            "mkdir /etc/lifeboat", "rm /etc/lifeboat/mode", $"write {_folder.Combine("mode")} /etc/lifeboat/mode",
            "mkdir /data/known", $"write {_folder.Combine("a.bin")} /data/known/a.bin", $"write {_folder.Combine("b.txt")} /data/known/b.txt",
            "sif /data/known/a.bin mode 0100640", "sif /data/known/a.bin uid 1234", "sif /data/known/a.bin gid 2345",
            $"sif /data/known/a.bin mtime {ModifiedA.UtcDateTime:yyyyMMddHHmmss}", "") + "\n");
        await Tools.RunOkAsync("debugfs", "-w", "-f", commands, $"{disk}?offset={guest.RootPartitionOffset}");
        return disk;
    }
}
