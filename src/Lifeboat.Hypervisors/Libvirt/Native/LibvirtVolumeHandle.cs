using Microsoft.Win32.SafeHandles;

namespace Lifeboat.Hypervisors.Libvirt.Native;

/// <summary>A libvirt virStorageVolPtr; released with virStorageVolFree (libvirt counts references, so a release never fails for a live one).</summary>
internal sealed class LibvirtVolumeHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public LibvirtVolumeHandle()
        : base(ownsHandle: true)
    {
    }

    public LibvirtVolumeHandle(IntPtr handle)
        : base(ownsHandle: true) => SetHandle(handle);

    protected override bool ReleaseHandle() => LibvirtNative.StorageVolFree(handle) >= 0;
}
