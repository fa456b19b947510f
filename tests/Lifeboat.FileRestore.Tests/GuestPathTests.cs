using Lifeboat.FileRestore;

namespace Lifeboat.FileRestore.Tests;

public class GuestPathTests
{
    [Theory]
    [InlineData("sda1:/etc/hosts")]
    [InlineData("vg0/root:/a b/c")]
    [InlineData(@"sdb2:/new\nline")]
    [InlineData(@"sda1:/bad\xff\xfe/x")]
    [InlineData(@"sda1:/back\\slash")]
    [InlineData("sda1:/")]
    public void The_text_form_parses_back_to_itself(string text) =>
        Assert.Equal(text, GuestPath.Parse(text).ToString());

    [Fact]
    public void Bytes_that_are_not_utf8_keep_their_value()
    {
        var path = new GuestPath("sda1", [(byte)'/', 0xff, (byte)'\n', (byte)'a']);
        Assert.Equal(@"sda1:/\xff\na", path.ToString());
        Assert.True(GuestPath.Parse(path.ToString()).Bytes.SequenceEqual(path.Bytes));
    }

    [Theory]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("a/b")]
    [InlineData("")]
    public void A_child_is_one_name(string name)
    {
        var error = Assert.Throws<FileRestoreException>(() => GuestPath.Parse("sda1:/").Child(System.Text.Encoding.UTF8.GetBytes(name)));
        Assert.Equal("name", error.Field);
    }

    [Fact]
    public void A_bad_escape_says_which()
    {
        var error = Assert.Throws<FileRestoreException>(() => GuestPath.Parse(@"sda1:/a\qb"));
        Assert.Contains(@"'\q'", error.Message, StringComparison.Ordinal);
        Assert.Equal("path", error.Field);
    }

    [Fact]
    public void Parent_and_child_walk_the_tree()
    {
        var path = GuestPath.Parse("sda1:/etc").Child("hosts"u8);
        Assert.Equal("sda1:/etc/hosts", path.ToString());
        Assert.Equal("sda1:/etc", path.Parent().ToString());
        Assert.Equal("sda1:/", path.Parent().Parent().ToString());
        Assert.True(path.Name.SequenceEqual("hosts"u8));
    }
}
