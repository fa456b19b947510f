using Lifeboat.Repository.Tests.Support;

namespace Lifeboat.Repository.Tests;

public class VmNameTests
{
    [Theory]
    [InlineData("vm1")]
    [InlineData("sample-vm")]
    [InlineData("lifeboat-live-test")]
    [InlineData("db01.prod_eu-west")]
    [InlineData("9")]
    [InlineData("a..b")]
    public void Names_of_letters_digits_dots_underscores_and_dashes_are_VM_names(string name)
    {
        Assert.True(VmName.IsValid(name));
        Assert.True(VmName.TryValidate(name, "vm", out var problem));
        Assert.Null(problem);
        Assert.Equal(name, VmName.Validate(name, "vm"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("..")]
    [InlineData("../../etc")]
    [InlineData("a/b")]
    [InlineData("/etc")]
    [InlineData(".hidden")]
    [InlineData("-rf")]
    [InlineData("_x")]
    [InlineData("a b")]
    [InlineData("a\0b")]
    [InlineData("a\nb")]
    [InlineData("vm\n")]
    [InlineData("a\\b")]
    [InlineData("é")]
    public void Paths_separators_control_characters_and_other_letters_are_refused(string name)
    {
        Assert.False(VmName.IsValid(name));
        Assert.False(VmName.TryValidate(name, "vm", out var problem));
        Assert.StartsWith("vm '", problem, StringComparison.Ordinal);
        Assert.Contains("is not a VM name; give 1 to 128 letters, digits", problem, StringComparison.Ordinal);
        Assert.DoesNotContain('\0', problem);
        Assert.DoesNotContain('\n', problem);
        Assert.Equal(problem, Assert.Throws<ArgumentException>(() => VmName.Validate(name, "vm")).Message);
    }

    [Fact]
    public void A_name_of_128_characters_is_the_longest_and_a_long_refused_one_is_shown_cut_short()
    {
        Assert.True(VmName.IsValid(new string('a', VmName.MaxLength)));
        Assert.False(VmName.IsValid(new string('a', VmName.MaxLength + 1)));
        Assert.False(VmName.IsValid(null));

        Assert.False(VmName.TryValidate(new string('x', 10_000_000), "--vm", out var problem));
        Assert.True(problem.Length < 200, problem);
        Assert.Contains("(10000000 characters)", problem, StringComparison.Ordinal);
        Assert.StartsWith("--vm 'xxx", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_backup_of_a_name_that_is_a_path_is_refused_before_anything_is_written()
    {
        using var dir = new TestFolder();
        using var repository = RepositoryFixture.Create(dir);
        var disk = dir.Combine("disk.img");
        await File.WriteAllBytesAsync(disk, new byte[65536]);
        var before = Directory.GetFileSystemEntries(dir.Combine("repo"), "*", SearchOption.AllDirectories).Order().ToList();

        var error = await Assert.ThrowsAsync<RepositoryException>(() => RepositoryFixture.BackupAsync(repository, "../../etc", disk));

        Assert.Equal("vm '../../etc' is not a VM name; give 1 to 128 letters, digits, '.', '_' or '-', the first a letter or digit.", error.Message);
        Assert.Equal(before, Directory.GetFileSystemEntries(dir.Combine("repo"), "*", SearchOption.AllDirectories).Order().ToList());
        Assert.Empty(repository.ListRestorePoints());
    }
}
