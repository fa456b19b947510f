using Microsoft.Win32.SafeHandles;

namespace Lifeboat.Hypervisors.Libvirt.Native;

/// <summary>A libvirt virStreamPtr; released with virStreamFree (libvirt counts references, so a release never fails for a live one).</summary>
internal sealed class LibvirtStreamHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public LibvirtStreamHandle()
        : base(ownsHandle: true)
    {
    }

    public LibvirtStreamHandle(IntPtr handle)
        : base(ownsHandle: true) => SetHandle(handle);

    protected override bool ReleaseHandle() => LibvirtNative.StreamFree(handle) >= 0;
}
