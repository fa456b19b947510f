using System.Runtime.InteropServices;

namespace Lifeboat.Hypervisors.Libvirt.Native;

/// <summary>Turns libvirt's last error on this thread into a <see cref="LibvirtException"/> with libvirt's own message.</summary>
internal static class LibvirtErrors
{
    /// <summary>VIR_ERR_NO_DOMAIN: there is no domain of that name or UUID.</summary>
    public const int NoDomain = 42;

    /// <summary>VIR_ERR_OPERATION_INVALID: e.g. the domain does not run.</summary>
    public const int OperationInvalid = 55;

    /// <summary>VIR_ERR_AGENT_UNRESPONSIVE: the guest agent is not connected or did not answer in time.</summary>
    public const int AgentUnresponsive = 86;

    /// <summary>VIR_ERR_NO_STORAGE_VOL.</summary>
    public const int NoStorageVolume = 50;

    // libvirt's default handler prints every error to stderr; each one is read and thrown instead (Last).
    private static readonly LibvirtNative.ErrorHandler Silent = (_, _) => { };
    private static int _silenced;

    /// <summary>Stops libvirt from printing its errors to stderr; call before the first libvirt call.</summary>
    public static void Silence()
    {
        if (Interlocked.Exchange(ref _silenced, 1) == 0)
            LibvirtNative.SetErrorFunc(IntPtr.Zero, Marshal.GetFunctionPointerForDelegate(Silent));
    }

    /// <param name="doing">What was asked, e.g. "starting domain vm1", the start of the message.</param>
    public static LibvirtException Last(string doing)
    {
        var code = LibvirtNative.GetLastErrorCode();
        var message = Marshal.PtrToStringUTF8(LibvirtNative.GetLastErrorMessage()) ?? "unknown error";
        LibvirtNative.ResetLastError();
        return new LibvirtException($"libvirt refused {doing}: {message}") { Code = code };
    }

    /// <summary>Takes a string libvirt allocated, frees it, and throws for a null one.</summary>
    public static string TakeString(IntPtr pointer, string doing)
    {
        if (pointer == IntPtr.Zero)
            throw Last(doing);
        try
        {
            return Marshal.PtrToStringUTF8(pointer) ?? "";
        }
        finally
        {
            LibvirtNative.Free(pointer);
        }
    }

    public static void Check(int result, string doing)
    {
        if (result < 0)
            throw Last(doing);
    }

    public static T Check<T>(T handle, string doing)
        where T : SafeHandle
    {
        if (!handle.IsInvalid)
            return handle;
        handle.Dispose();
        throw Last(doing);
    }
}
