namespace Lifeboat.EndToEnd.Tests;

[CollectionDefinition(Name)]
public sealed class EndToEndCollection : ICollectionFixture<GuestImage>
{
    /// <summary>
    /// Every scenario runs alone: two TCG guests do not fit two cores, and boot times are only comparable
    /// when nothing else of these tests runs beside them.
    /// </summary>
    public const string Name = "end-to-end";
}
