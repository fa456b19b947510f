using System.Diagnostics;
using System.Text.Json;

namespace Lifeboat.Cli.Tests;

/// <summary>Each failure is one clear sentence, a non-zero exit, and no partial state afterwards.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class FailureTests
{
    [Fact]
    public void Wrong_or_missing_password_is_one_clear_sentence()
    {
        using var t = new TestFolder();
        TestDisks.Create(t.Combine("disk0.raw"), 1 << 20, seed: 31);
        LifeboatProcess.Run(new Dictionary<string, string> { ["LIFEBOAT_PASSWORD"] = "right" }, "repo", "init", t.Combine("repo"), "--encrypt").ShouldSucceed();

        var wrong = LifeboatProcess.Run(new Dictionary<string, string> { ["LIFEBOAT_PASSWORD"] = "wrong" },
            "backup", "--repo", t.Combine("repo"), "--vm", "vm1", "--disk", t.Combine("disk0.raw"));
        Assert.Equal(1, wrong.ExitCode);
        Assert.Contains("password is wrong", wrong.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.Single(wrong.Stderr.Trim().Split('\n'));

        var missing = LifeboatProcess.Run("restore-points", "--repo", t.Combine("repo"));
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("LIFEBOAT_PASSWORD", missing.Stderr, StringComparison.Ordinal);

        var list = LifeboatProcess.Run(new Dictionary<string, string> { ["LIFEBOAT_PASSWORD"] = "right" }, "restore-points", "--repo", t.Combine("repo"), "--json").ShouldSucceed();
        using var json = JsonDocument.Parse(list.Stdout);
        Assert.Equal(0, json.RootElement.GetArrayLength());
    }

    [Fact]
    public void A_vm_name_that_is_a_path_or_a_program_running_libvirt_uri_is_refused_naming_the_option_and_nothing_is_created()
    {
        using var t = new TestFolder();
        TestDisks.Create(t.Combine("disk0.raw"), 1 << 20, seed: 32);
        LifeboatProcess.Run("repo", "init", t.Combine("repo")).ShouldSucceed();
        var marker = t.Combine("ran");
        var script = t.Combine("touch-marker");
        File.WriteAllText(script, $"#!/bin/sh\ntouch {marker}\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var before = Tree(t.Path);

        foreach (var (vm, shown) in new[] { ("../../etc", "'../../etc'"), ("a/b", "'a/b'"), ("..", "'..'"), ("x\ny", "'x\\u000ay'") })
        {
            foreach (var source in new[] { new[] { "--disk", t.Combine("disk0.raw") }, ["--qmp", t.Combine("no-such.qmp")], ["--libvirt", "d"] })
            {
                var refused = LifeboatProcess.Run(["backup", "--repo", t.Combine("repo"), "--vm", vm, .. source, "--work-dir", t.Combine("work")]);
                Assert.Equal(1, refused.ExitCode);
                Assert.Equal($"lifeboat: --vm {shown} is not a VM name; give 1 to 128 letters, digits, '.', '_' or '-', the first a letter or digit.", refused.Stderr.Trim());
            }
        }

        var uri = $"qemu+ext:///system?command={script}";
        var program = LifeboatProcess.Run("backup", "--repo", t.Combine("repo"), "--vm", "vm1", "--libvirt", "vm1", "--connect", uri, "--work-dir", t.Combine("work"));
        Assert.Equal(1, program.ExitCode);
        Assert.StartsWith($"lifeboat: --connect '{uri}' has parameters (?command=", program.Stderr.Trim(), StringComparison.Ordinal);

        Assert.Equal(before, Tree(t.Path));
        Assert.False(File.Exists(marker));
        Assert.Equal("[]", LifeboatProcess.Run("restore-points", "--repo", t.Combine("repo"), "--json").ShouldSucceed().Stdout.Trim());
    }

    /// <summary>The test's folder and, beside it, where `../../etc` from inside it would have led.</summary>
    private static List<string> Tree(string folder) =>
        [.. Directory.GetFileSystemEntries(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal),
         .. Directory.GetFileSystemEntries(Path.GetDirectoryName(Path.GetDirectoryName(folder)!)!, "etc*")];

    [Fact]
    public void A_folder_that_is_not_a_repository_says_how_to_make_one()
    {
        using var t = new TestFolder();
        Directory.CreateDirectory(t.Combine("plain"));
        var result = LifeboatProcess.Run("restore-points", "--repo", t.Combine("plain"));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("not a Lifeboat repository", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("repo init", result.Stderr, StringComparison.Ordinal);

        var json = LifeboatProcess.Run("verify", "--repo", t.Combine("nowhere"), "--json");
        Assert.Equal(1, json.ExitCode);
        using var error = JsonDocument.Parse(json.Stdout);
        Assert.Contains("not a Lifeboat repository", error.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_repository_of_a_newer_format_asks_for_a_newer_lifeboat()
    {
        using var t = new TestFolder();
        LifeboatProcess.Run("repo", "init", t.Combine("repo")).ShouldSucceed();
        RepositoryFiles.RewriteConfigFormatVersion(Path.Combine(t.Combine("repo"), "config"), 99);
        var result = LifeboatProcess.Run("restore-points", "--repo", t.Combine("repo"));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("99", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("upgrade", result.Stderr, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_missing_disk_file_is_named_and_nothing_is_kept()
    {
        using var t = new TestFolder();
        LifeboatProcess.Run("repo", "init", t.Combine("repo")).ShouldSucceed();
        var result = LifeboatProcess.Run("backup", "--repo", t.Combine("repo"), "--vm", "vm1", "--disk", t.Combine("absent.raw"));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("absent.raw", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("does not exist", result.Stderr, StringComparison.Ordinal);
        AssertNoRestorePoints(t.Combine("repo"));
    }

    [Fact]
    public async Task A_disk_file_that_vanishes_mid_backup_fails_the_backup_cleanly()
    {
        using var t = new TestFolder();
        var disk = t.Combine("disk0.raw");
        TestDisks.Create(disk, 384 << 20, seed: 41);
        LifeboatProcess.Run("repo", "init", t.Combine("repo")).ShouldSucceed();
        using var process = Process.Start(LifeboatProcess.StartInfo(null, "backup", "--repo", t.Combine("repo"), "--vm", "vm1", "--disk", disk))!;
        process.StandardInput.Close();
        var stderr = process.StandardError.ReadToEndAsync();
        // Stopped as soon as it holds the disk open, then the disk is taken away: waiting for its first pack instead
        // raced a backup that reads on every core (it ended first, once, on a fresh machine).
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!process.HasExited && DateTime.UtcNow < deadline && !HoldsOpen(process.Id, disk))
            await Task.Delay(1);
        Assert.True(ProcessSignals.Stop(process.Id), "the backup ended before the disk could be taken away");
        await ProcessSignals.WaitUntilStoppedAsync(process.Id, TimeSpan.FromSeconds(30));
        Assert.False(process.HasExited, "the backup ended before the disk could be taken away");
        using (var shrink = new FileStream(disk, FileMode.Open, FileAccess.Write))
            shrink.SetLength(1 << 20);
        File.Delete(disk);
        ProcessSignals.Continue(process.Id);
        await process.WaitForExitAsync();
        Assert.Equal(1, process.ExitCode);
        Assert.Contains("disk0.raw", await stderr, StringComparison.Ordinal);
        AssertNoRestorePoints(t.Combine("repo"));
        LifeboatProcess.Run("verify", "--repo", t.Combine("repo")).ShouldSucceed();
    }

    /// <summary>Whether the process has <paramref name="path"/> open (a link to it among /proc/PID/fd).</summary>
    private static bool HoldsOpen(int processId, string path)
    {
        try
        {
            return Directory.EnumerateFileSystemEntries($"/proc/{processId}/fd")
                .Any(fd => new FileInfo(fd).LinkTarget == path);
        }
        catch (Exception ex) when (ex is DirectoryNotFoundException or FileNotFoundException or IOException or UnauthorizedAccessException)
        {
            return false; // gone, or a descriptor closed as it was read: look again
        }
    }

    [Fact]
    public void A_full_repository_file_system_fails_the_backup_and_leaves_nothing()
    {
        using var t = new TestFolder();
        var small = t.Combine("small");
        Directory.CreateDirectory(small);
        RunTool("mount", "-t", "tmpfs", "-o", "size=12m", "tmpfs", small);
        try
        {
            var repo = Path.Combine(small, "repo");
            TestDisks.Create(t.Combine("disk0.raw"), 64 << 20, seed: 51);
            LifeboatProcess.Run("repo", "init", repo, "--compression", "none").ShouldSucceed();
            var result = LifeboatProcess.Run("backup", "--repo", repo, "--vm", "vm1", "--disk", t.Combine("disk0.raw"));
            Assert.Equal(1, result.ExitCode);
            Assert.Contains("full", result.Stderr, StringComparison.OrdinalIgnoreCase);
            Assert.Single(result.Stderr.Trim().Split('\n'));
            AssertNoRestorePoints(repo);
            Assert.Empty(Directory.GetFiles(Path.Combine(repo, "packs"), "*", SearchOption.AllDirectories));
            Assert.Empty(Directory.GetFiles(Path.Combine(repo, "tmp"), "*", SearchOption.AllDirectories));
            LifeboatProcess.Run("verify", "--repo", repo).ShouldSucceed();
        }
        finally
        {
            RunTool("umount", "-l", small);
        }
    }

    private static void AssertNoRestorePoints(string repo)
    {
        using var json = JsonDocument.Parse(LifeboatProcess.Run("restore-points", "--repo", repo, "--json").ShouldSucceed().Stdout);
        Assert.Equal(0, json.RootElement.GetArrayLength());
    }

    private static void RunTool(string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardError = true };
        foreach (var a in arguments)
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{tool} {string.Join(' ', arguments)} failed (this test needs root to mount a small tmpfs): {error}");
    }
}
