using Lifeboat.Server.Security;

namespace Lifeboat.Server.Tests.Security;

public sealed class PasswordHasherTests
{
    [Fact]
    public void A_hash_says_how_it_was_made_has_its_own_salt_and_verifies_only_its_password()
    {
        var first = PasswordHasher.Hash("swordfish and chips");
        var second = PasswordHasher.Hash("swordfish and chips");
        Assert.StartsWith($"pbkdf2-sha256${PasswordHasher.Iterations}$", first, StringComparison.Ordinal);
        Assert.NotEqual(first, second);
        Assert.True(PasswordHasher.Verify("swordfish and chips", first));
        Assert.True(PasswordHasher.Verify("swordfish and chips", second));
        Assert.False(PasswordHasher.Verify("swordfish and chip", first));
        Assert.DoesNotContain("swordfish", first, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("plain text")]
    [InlineData("pbkdf2-sha256$abc$AAAA$AAAA")]
    [InlineData("pbkdf2-sha256$0$AAAA$AAAA")]
    [InlineData("pbkdf2-sha256$1000$not base64!$AAAA")]
    [InlineData("md5$1000$AAAA$AAAA")]
    public void A_stored_hash_that_is_not_one_verifies_nothing(string stored) =>
        Assert.False(PasswordHasher.Verify("anything", stored));
}
