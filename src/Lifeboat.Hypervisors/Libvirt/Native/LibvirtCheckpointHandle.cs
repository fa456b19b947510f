using Microsoft.Win32.SafeHandles;

namespace Lifeboat.Hypervisors.Libvirt.Native;

/// <summary>A libvirt virDomainCheckpointPtr; released with virDomainCheckpointFree.</summary>
internal sealed class LibvirtCheckpointHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public LibvirtCheckpointHandle()
        : base(ownsHandle: true)
    {
    }

    public LibvirtCheckpointHandle(IntPtr handle)
        : base(ownsHandle: true) => SetHandle(handle);

    protected override bool ReleaseHandle() => LibvirtNative.DomainCheckpointFree(handle) >= 0;
}
