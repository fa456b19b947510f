using Microsoft.Win32.SafeHandles;

namespace Lifeboat.Hypervisors.Libvirt.Native;

/// <summary>A libvirt virDomainPtr; released with virDomainFree (libvirt counts references, so a release never fails for a live one).</summary>
internal sealed class LibvirtDomainHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public LibvirtDomainHandle()
        : base(ownsHandle: true)
    {
    }

    public LibvirtDomainHandle(IntPtr handle)
        : base(ownsHandle: true) => SetHandle(handle);

    protected override bool ReleaseHandle() => LibvirtNative.DomainFree(handle) >= 0;
}
