using Microsoft.Win32.SafeHandles;

namespace Lifeboat.Hypervisors.Libvirt.Native;

/// <summary>A libvirt virConnectPtr; released with virConnectClose (libvirt counts references, so a release never fails for a live one).</summary>
internal sealed class LibvirtConnectionHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public LibvirtConnectionHandle()
        : base(ownsHandle: true)
    {
    }

    public LibvirtConnectionHandle(IntPtr handle)
        : base(ownsHandle: true) => SetHandle(handle);

    protected override bool ReleaseHandle() => LibvirtNative.ConnectClose(handle) >= 0;
}
