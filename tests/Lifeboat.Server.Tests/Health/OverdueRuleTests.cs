using Lifeboat.Server.Contracts.Jobs;
using Lifeboat.Server.Health;
using Lifeboat.Server.Jobs;
using Lifeboat.Server.Tests.Support;

namespace Lifeboat.Server.Tests.Health;

/// <summary>How old a VM's newest restore point may be under each kind of schedule, and from when a new job counts.</summary>
public sealed class OverdueRuleTests
{
    private static readonly DateTimeOffset Added = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);

    private static JobRecord Job(string schedule) =>
        new(JobHarness.DiskJob("j", schedule, keepLast: 1, retries: 0, "/nowhere.raw"), Added, Added, null, null);

    [Theory]
    [InlineData("every 6h", null, 7 * 60)]
    [InlineData("every 30m", null, 90)]
    [InlineData("daily 02:00", null, 26 * 60)]
    [InlineData("every 1m", 0, 1)]
    [InlineData("daily 02:00", 600, 24 * 60 + 10)]
    public void A_schedule_allows_its_period_and_a_grace(string schedule, int? graceSeconds, int allowedMinutes)
    {
        var grace = graceSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : (TimeSpan?)null;
        Assert.Equal(TimeSpan.FromMinutes(allowedMinutes), OverdueRule.AllowedAge(JobSchedule.Parse(schedule), grace));
        var newest = Added.AddDays(1);
        Assert.Null(OverdueRule.OverdueSince(Job(schedule), newest, newest.AddMinutes(allowedMinutes), grace));
        Assert.Equal(newest.AddMinutes(allowedMinutes), OverdueRule.OverdueSince(Job(schedule), newest, newest.AddMinutes(allowedMinutes).AddSeconds(1), grace));
    }

    [Fact]
    public void A_job_counts_from_when_it_was_added_when_its_VM_has_no_restore_point_or_only_older_ones()
    {
        var job = Job("every 6h");
        foreach (var newest in new DateTimeOffset?[] { null, Added.AddDays(-30) })
        {
            Assert.Null(OverdueRule.OverdueSince(job, newest, Added.AddHours(7), grace: null));
            Assert.Equal(Added.AddHours(7), OverdueRule.OverdueSince(job, newest, Added.AddHours(7).AddTicks(1), grace: null));
        }
    }
}
