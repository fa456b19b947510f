
namespace Lifeboat.Server.Tests.Support;

/// <summary>
/// Tests that run a server: one at a time, since each serves or registers portmap on port 111 (QEMU's nfs driver
/// looks there) and two TCG guests do not fit two cores well.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GuestCollection : ICollectionFixture<GuestImage>, ICollectionFixture<Port111Lock>
{
    public const string Name = "guest and port 111";
}
