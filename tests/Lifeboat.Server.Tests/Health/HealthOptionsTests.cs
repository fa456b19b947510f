using Lifeboat.Server.Hosting;

namespace Lifeboat.Server.Tests.Health;

/// <summary>The server's health options: the nearly-full threshold and the overdue grace, their defaults and their limits.</summary>
public sealed class HealthOptionsTests
{
    [Fact]
    public void The_threshold_and_the_grace_are_read_and_default_to_90_percent_and_the_schedules_own_grace()
    {
        var defaults = ServerArguments.Parse([]);
        Assert.Equal((90, (TimeSpan?)null), (defaults.RepositoryFullPercent, defaults.OverdueGrace));
        var set = ServerArguments.Parse(["--repository-full-percent", "75", "--overdue-grace", "0"]);
        Assert.Equal((75, (TimeSpan?)TimeSpan.Zero), (set.RepositoryFullPercent, set.OverdueGrace));
    }

    [Theory]
    [InlineData("--repository-full-percent", "0", "is not a percentage from 1 to 100")]
    [InlineData("--repository-full-percent", "101", "is not a percentage from 1 to 100")]
    [InlineData("--overdue-grace", "-1", "is not a number of seconds from 0 to 604800")]
    [InlineData("--overdue-grace", "604801", "is not a number of seconds from 0 to 604800")]
    public void A_value_out_of_range_is_refused_in_one_sentence(string option, string value, string message)
    {
        var refused = Assert.Throws<ArgumentException>(() => ServerArguments.Parse([option, value]));
        Assert.Equal($"{option} '{value}' {message}.", refused.Message);
    }
}
