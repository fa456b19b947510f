using Microsoft.Win32.SafeHandles;

namespace Lifeboat.Hypervisors.Libvirt.Native;

/// <summary>A libvirt virStoragePoolPtr; released with virStoragePoolFree (libvirt counts references, so a release never fails for a live one).</summary>
internal sealed class LibvirtPoolHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public LibvirtPoolHandle()
        : base(ownsHandle: true)
    {
    }

    public LibvirtPoolHandle(IntPtr handle)
        : base(ownsHandle: true) => SetHandle(handle);

    protected override bool ReleaseHandle() => LibvirtNative.StoragePoolFree(handle) >= 0;
}
