using Microsoft.Win32.SafeHandles;

namespace Lifeboat.FileRestore.Guestfs;

/// <summary>A libguestfs guestfs_h; released with guestfs_close, which also shuts its appliance down.</summary>
internal sealed class GuestfsHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public GuestfsHandle()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle()
    {
        GuestfsNative.Close(handle);
        return true;
    }
}
