using Lifeboat.FileRestore.Guestfs;

namespace Lifeboat.FileRestore.Tests;

public class ShellPatternTests
{
    [Theory]
    [InlineData("*.conf", "nginx.conf", true)]
    [InlineData("*.conf", "nginx.conf.bak", false)]
    [InlineData("f0[0-4]*", "f041234", true)]
    [InlineData("f0[0-4]*", "f051234", false)]
    [InlineData("[!a]?", "bc", true)]
    [InlineData("[!a]?", "ac", false)]
    [InlineData("a*b*c", "aXXbYYc", true)]
    [InlineData("a*b*c", "aXXbYY", false)]
    [InlineData(@"\*", "*", true)]
    [InlineData("*", "", true)]
    public void Matches_as_the_shell_does(string pattern, string name, bool matches) =>
        Assert.Equal(matches, new ShellPattern(pattern).Matches(System.Text.Encoding.UTF8.GetBytes(name)));

    [Fact]
    public void Bytes_that_are_not_utf8_match_a_question_mark_each()
    {
        Assert.True(new ShellPattern("bad??name.bin").Matches([.. "bad"u8, 0xff, 0xfe, .. "name.bin"u8]));
    }

    [Fact]
    public void A_hostile_name_costs_time_linear_in_its_length()
    {
        var name = new byte[100_000];
        Array.Fill(name, (byte)'a');
        Assert.False(new ShellPattern("*a*a*a*a*a*a*b").Matches(name));
    }

    [Theory]
    [InlineData("")]
    [InlineData("etc/*.conf")]
    public void A_pattern_is_one_nonempty_name(string pattern) =>
        Assert.Equal("pattern", Assert.Throws<FileRestoreException>(() => new ShellPattern(pattern)).Field);
}
