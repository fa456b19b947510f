using Lifeboat.Server.Jobs;

namespace Lifeboat.Server.Tests;

/// <summary>"daily HH:MM" in local time and "every Nh|Nm", and the one sentence for anything else.</summary>
public sealed class JobScheduleTests
{
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    [Theory]
    [InlineData("daily 02:00", "daily 02:00")]
    [InlineData("  Daily 7:05 ", "daily 07:05")]
    [InlineData("every 6h", "every 6h")]
    [InlineData("every 90m", "every 90m")]
    [InlineData("every 120m", "every 2h")]
    [InlineData("every 1m", "every 1m")]
    public void Schedules_parse_to_their_canonical_form(string text, string canonical) =>
        Assert.Equal(canonical, JobSchedule.Parse(text).ToString());

    [Theory]
    [InlineData("")]
    [InlineData("daily 24:00")]
    [InlineData("daily 2")]
    [InlineData("every 0h")]
    [InlineData("every 169h")]
    [InlineData("every 6 hours")]
    [InlineData("hourly")]
    public void Anything_else_is_refused_with_the_forms_that_work(string text)
    {
        var error = Assert.Throws<ArgumentException>(() => JobSchedule.Parse(text));
        Assert.Equal($"Schedule '{text}' is not {JobSchedule.Usage}, with at most a week between runs.", error.Message);
    }

    [Fact]
    public void Daily_runs_at_the_local_time_today_or_tomorrow()
    {
        var schedule = JobSchedule.Parse("daily 02:00");
        // 2026-12-01 00:30 in Berlin (UTC+1) is 2026-11-30 23:30 UTC.
        var beforeTwo = new DateTimeOffset(2026, 11, 30, 23, 30, 0, TimeSpan.Zero);
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 1, 0, 0, TimeSpan.Zero), schedule.NextAfter(beforeTwo, Berlin));
        var atTwo = new DateTimeOffset(2026, 12, 1, 1, 0, 0, TimeSpan.Zero);
        Assert.Equal(new DateTimeOffset(2026, 12, 2, 1, 0, 0, TimeSpan.Zero), schedule.NextAfter(atTwo, Berlin));
    }

    [Fact]
    public void Daily_follows_the_local_clock_across_daylight_saving_time_and_runs_once_on_a_skipped_hour()
    {
        // Berlin springs forward on 2026-03-29 at 02:00 (to 03:00): 02:30 does not exist that day and runs at 03:30 CEST.
        var schedule = JobSchedule.Parse("daily 02:30");
        var saturday = new DateTimeOffset(2026, 3, 28, 12, 0, 0, TimeSpan.Zero);
        var sunday = schedule.NextAfter(saturday, Berlin);
        Assert.Equal(new DateTimeOffset(2026, 3, 29, 3, 30, 0, TimeSpan.FromHours(2)), sunday);
        Assert.Equal(new DateTimeOffset(2026, 3, 30, 2, 30, 0, TimeSpan.FromHours(2)), schedule.NextAfter(sunday, Berlin));
    }

    [Fact]
    public void Every_keeps_its_rhythm_and_missed_runs_are_not_made_up_one_by_one()
    {
        var schedule = JobSchedule.Parse("every 6h");
        var planned = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        Assert.Equal(planned.AddHours(6), schedule.NextAfter(planned, planned.AddMinutes(1), TimeZoneInfo.Utc));
        // The server was down for a day and a bit: the next run is the next one on the rhythm, after now.
        Assert.Equal(planned.AddHours(30), schedule.NextAfter(planned, planned.AddHours(25), TimeZoneInfo.Utc));
    }
}
