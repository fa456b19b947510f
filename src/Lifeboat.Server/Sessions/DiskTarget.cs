using Lifeboat.Hypervisors.Hosts;

namespace Lifeboat.Server.Sessions;

/// <summary>A running VM's hot-plug for one operation; disposing lets go of what was opened to reach it (the VM runs on).</summary>
internal sealed class DiskTarget(IDiskHotplug hotplug, IAsyncDisposable? opened) : IAsyncDisposable
{
    public IDiskHotplug Hotplug { get; } = hotplug;

    public ValueTask DisposeAsync() => opened?.DisposeAsync() ?? ValueTask.CompletedTask;
}
