namespace Lifeboat.Hypervisors.Tests;

[CollectionDefinition(Name)]
public sealed class GuestCollection : ICollectionFixture<GuestImage>
{
    /// <summary>Tests that boot the guest run one after another: two cores do not fit two TCG guests well.</summary>
    public const string Name = "guest";
}
