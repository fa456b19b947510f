using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Lifeboat.Server.Tests.Support;

namespace Lifeboat.Server.Tests;

/// <summary>
/// The CLI's side of a verification, against the real server, QEMU and the test guest: `lifeboat verify --boot` with
/// two checks passes, and `lifeboat restore-points` then shows its outcome in the verified column and in --json.
/// </summary>
[Collection(GuestCollection.Name)]
public sealed partial class VerificationCliTests(GuestImage guest)
{
    [Fact]
    public async Task Restore_points_show_the_outcome_of_a_real_verify_boot_in_the_verified_column_and_in_json()
    {
        using var folder = new TestFolder();
        await using var server = await ServerProcess.StartAsync(folder.Combine("data"));
        var backup = await server.BackupAsync("guest", guest.RawDisk, guest.HardwareJson);
        var cli = new JobCli(server);

        // Before any verification the column is there and says so.
        var before = cli.Run("restore-points", "--repo", server.RepositoryPath, "--vm", "guest").ShouldSucceed();
        Assert.Contains("Verified", before.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("booted in", before.Stdout, StringComparison.Ordinal);

        var verify = cli.Run("verify", "--boot", "--vm", "guest", "--fw-cfg", $"{GuestImage.ModeEntry}=stay", "--timeout", "4m",
            "--check", "cat /proc/version", "--check", "grep -q ' / ' /proc/mounts").ShouldSucceed();
        var summary = SummaryPattern().Match(verify.Stdout);
        Assert.True(summary.Success, verify.ToString());
        Assert.Contains($"Verified restore point {backup.Id} of guest: {summary.Value}.", verify.Stdout, StringComparison.Ordinal);

        var table = cli.Run("restore-points", "--repo", server.RepositoryPath, "--vm", "guest").ShouldSucceed();
        var row = Assert.Single(table.Stdout.Split('\n'), l => l.Contains(backup.Id, StringComparison.Ordinal));
        Assert.Contains(summary.Value, row, StringComparison.Ordinal);

        var json = cli.Run("restore-points", "--repo", server.RepositoryPath, "--vm", "guest", "--json").ShouldSucceed();
        using var document = JsonDocument.Parse(json.Stdout);
        var point = Assert.Single(document.RootElement.EnumerateArray());
        Assert.Equal(backup.Id, point.GetProperty("id").GetString());
        var verified = point.GetProperty("verified");
        Assert.True(verified.GetProperty("passed").GetBoolean());
        Assert.Equal(summary.Value, verified.GetProperty("summary").GetString());
        var seconds = verified.GetProperty("recoverySeconds").GetDouble();
        Assert.Equal(summary.Groups[1].Value, seconds.ToString("0.0", CultureInfo.InvariantCulture));
        var session = await server.GetAsync(verified.GetProperty("verificationId").GetString()!);
        Assert.Equal(backup.Id, session.RestorePointId);
        await Leftovers.AssertNoneAsync(server, session);
    }

    [GeneratedRegex(@"booted in (\d+\.\d) s, 2 checks passed")]
    private static partial Regex SummaryPattern();
}
