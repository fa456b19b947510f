using Lifeboat.Repository;
using Lifeboat.Server.Sessions;

namespace Lifeboat.Server.Tests;

public sealed class ReadyConditionTests
{
    [Theory]
    [InlineData(null, ReadyConditionKind.Running, null)]
    [InlineData("running", ReadyConditionKind.Running, null)]
    [InlineData("agent", ReadyConditionKind.Agent, null)]
    [InlineData("console:LIFEBOAT-GUEST-BOOTED", ReadyConditionKind.Console, "LIFEBOAT-GUEST-BOOTED")]
    [InlineData("console:login: ", ReadyConditionKind.Console, "login: ")]
    public void Parses_the_three_forms_and_prints_them_back(string? text, ReadyConditionKind kind, string? consoleText)
    {
        var condition = ReadyCondition.Parse(text);
        Assert.Equal(kind, condition.Kind);
        Assert.Equal(consoleText, condition.ConsoleText);
        Assert.Equal(condition, ReadyCondition.Parse(condition.ToString()));
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("console:")]
    [InlineData("console:two\nlines")]
    public void Refuses_anything_else_naming_the_option(string text)
    {
        var error = Assert.Throws<ArgumentException>(() => ReadyCondition.Parse(text));
        Assert.StartsWith("Ready when ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_a_console_text_longer_than_the_limit()
    {
        Assert.Throws<ArgumentException>(() => ReadyCondition.Parse("console:" + new string('x', ReadyCondition.MaxConsoleTextLength + 1)));
    }

    [Theory]
    [InlineData("""{"cpus": 1, "guestAgent": true}""", "agent")]
    [InlineData("""{"cpus": 1, "guestAgent": false}""", "running")]
    [InlineData("""{"cpus": 1}""", "running")]
    [InlineData("<domain><devices><channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel></devices></domain>", "agent")]
    [InlineData("<domain><devices><serial type='pty'/></devices></domain>", "running")]
    [InlineData(null, "running")]
    public void The_default_is_the_agent_when_the_recorded_hardware_has_its_channel(string? recorded, string expected)
    {
        var hardware = recorded is null ? null : VmHardware.Parse(recorded);

        Assert.Equal(expected, ReadyCondition.DefaultFor(hardware).ToString());
    }
}
