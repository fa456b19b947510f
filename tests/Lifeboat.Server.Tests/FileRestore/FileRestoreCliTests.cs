using System.Text.Json;
using Lifeboat.Server.Contracts.Security;

namespace Lifeboat.Server.Tests.FileRestore;

/// <summary>`lifeboat files` against the server: weird names, the 100,000-file folder, extraction into a folder only, find, archives.</summary>
[Collection(FileRestoreCollection.Name)]
public sealed class FileRestoreCliTests(FileRestoreServer fixture)
{
    private string Latest => $"{FileRestoreServer.Vm}@latest";

    [Fact]
    public void The_cli_lists_weird_names_and_every_page_of_the_100000_file_folder()
    {
        var fileSystems = JsonDocument.Parse(Run(Latest, "--session", fixture.Second.Id, "--json").ShouldSucceed().Stdout).RootElement;
        Assert.Equal(GuestFileSystemsDisks.FileSystems.Count, fileSystems.GetArrayLength());

        var docs = Run(Latest, "sda1:/docs", "--session", fixture.Second.Id).ShouldSucceed().Stdout;
        Assert.Contains(@" new\nline.txt", docs, StringComparison.Ordinal);
        Assert.Contains(@" bad\xff\xfename.bin", docs, StringComparison.Ordinal);
        Assert.Contains(" a b c.txt", docs, StringComparison.Ordinal);
        Assert.Contains(" link-out -> /../../etc/passwd", docs, StringComparison.Ordinal);
        Assert.Contains("-rwxr-xr-x 1000:1000", docs, StringComparison.Ordinal);

        var many = Run(Latest, GuestFileSystemsDisks.ManyFolder, "--session", fixture.Second.Id, "--json").ShouldSucceed();
        var entries = JsonDocument.Parse(many.Stdout).RootElement;
        Assert.Equal(GuestFileSystemsDisks.ManyCount, entries.GetArrayLength());
        Assert.Equal("f000000", entries[0].GetProperty("name").GetString());
        Assert.Equal($"f{GuestFileSystemsDisks.ManyCount - 1:D6}", entries[GuestFileSystemsDisks.ManyCount - 1].GetProperty("name").GetString());

        var found = Run("find", Latest, "nested*", "--under", "sda1:/docs", "--session", fixture.Second.Id).ShouldSucceed().Stdout;
        Assert.Contains("sda1:/docs/sub/deep/nested.txt", found, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Files_get_extracts_into_its_folder_only_with_metadata_and_saves_archives()
    {
        var scratch = fixture.Scratch("cli-get");
        Directory.CreateDirectory(scratch);
        var to = Path.Combine(scratch, "out");
        Run("get", Latest, "sda1:/docs", "sdb1:/xfs/notes.txt", "--to", to, "--session", fixture.Second.Id).ShouldSucceed();
        Assert.Equal(["out"], Directory.EnumerateFileSystemEntries(scratch).Select(Path.GetFileName));

        // Every file by its raw name bytes (Python reads them as bytes), against the known checksums.
        var script = "import hashlib,os,sys\nfor d,_,fs in os.walk(sys.argv[1].encode()):\n for f in fs:\n  p=os.path.join(d,f)\n  if not os.path.islink(p): print(os.path.relpath(p,sys.argv[1].encode()).hex(), hashlib.sha256(open(p,'rb').read()).hexdigest())\n";
        var hashes = (await Tools.RunCheckedAsync("python3", "-c", script, to)).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ')).ToDictionary(p => Lifeboat.FileRestore.GuestText.Escape(Convert.FromHexString(p[0])), p => p[1], StringComparer.Ordinal);
        foreach (var (path, hash) in GuestFileSystemsDisks.SecondFiles.Where(f => f.Key.StartsWith("sda1:/docs/", StringComparison.Ordinal)))
            Assert.True(hashes.TryGetValue(path["sda1:/".Length..], out var got) && got == hash, $"{path}: {got ?? "missing"}");
        Assert.Equal(GuestFileSystemsDisks.SecondFiles["sdb1:/xfs/notes.txt"], hashes["notes.txt"]);
        Assert.Equal("/../../etc/passwd", new FileInfo(Path.Combine(to, "docs", "link-out")).LinkTarget);
        Assert.Equal($"755 1000 1000 {GuestFileSystemsDisks.DocsModifiedAt.ToUnixTimeSeconds()}",
            (await Tools.RunCheckedAsync("stat", "-c", "%a %u %g %Y", Path.Combine(to, "docs", "exec.sh"))).Trim());

        // Again into the same folder: the file exists, so it refuses naming it.
        var again = Run("get", Latest, "sdb1:/xfs/notes.txt", "--to", to, "--session", fixture.Second.Id);
        Assert.True(again.ExitCode == 1 && again.Stderr.Contains("notes.txt", StringComparison.Ordinal), again.ToString());

        var zip = Path.Combine(scratch, "pick.zip");
        var saved = Run("get", Latest, "sda1:/docs/readme.txt", "sda2:/FAT", "--archive", zip, "--session", fixture.Second.Id).ShouldSucceed();
        Assert.Contains("Saving pick.zip", saved.Stderr, StringComparison.Ordinal);
        Assert.Equal("Lifeboat file-restore test disk, version 1.\n", await Tools.RunCheckedAsync("unzip", "-p", zip, "readme.txt"));
        Assert.Contains("FAT/HELLO.TXT", await Tools.RunCheckedAsync("unzip", "-l", zip), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_command_without_session_opens_one_and_closes_it()
    {
        var before = await fixture.Http.GetAsync("api/file-restores", ContractsJsonContext.Default.ListFileRestoreSessionView);
        var listed = Run($"{FileRestoreServer.Vm}@{fixture.FirstPoint}", "sdb2:/btr").ShouldSucceed().Stdout;
        Assert.Contains(" file.txt", listed, StringComparison.Ordinal);
        var after = await fixture.Http.GetAsync("api/file-restores", ContractsJsonContext.Default.ListFileRestoreSessionView);
        Assert.Equal(before.Select(s => s.Id).Order(), after.Select(s => s.Id).Order());
    }

    private ToolResult Run(params string[] arguments) => LifeboatProcess.Run(
        new Dictionary<string, string> { ["LIFEBOAT_SERVER"] = $"127.0.0.1:{fixture.Server.Port}", [ApiTokenFile.TokenVariable] = fixture.Server.Token },
        ["files", .. arguments]);
}
