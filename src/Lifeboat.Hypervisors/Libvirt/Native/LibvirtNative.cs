using System.Runtime.InteropServices;

namespace Lifeboat.Hypervisors.Libvirt.Native;

/// <summary>
/// The few calls of libvirt's stable C API Lifeboat makes (libvirt.so.0, libvirt-qemu.so.0). Strings libvirt returns
/// are the caller's to free (<see cref="Free"/>) unless noted; an error is read on the failing thread at once
/// (<see cref="LibvirtErrors"/>), as libvirt keeps it per thread.
/// </summary>
internal static partial class LibvirtNative
{
    private const string Libvirt = "libvirt.so.0";
    private const string LibvirtQemu = "libvirt-qemu.so.0";

    /// <summary>sizeof(virNodeInfo): char model[32], unsigned long memory (KiB), six unsigned ints.</summary>
    public const int NodeInfoSize = 64;

    /// <summary>sizeof(virDomainBlockJobInfo): int type, unsigned long bandwidth, unsigned long long cur, end.</summary>
    public const int BlockJobInfoSize = 32;

    [LibraryImport("libc", EntryPoint = "free")]
    public static partial void Free(IntPtr pointer);

    [LibraryImport(Libvirt, EntryPoint = "virGetLastErrorMessage")]
    public static partial IntPtr GetLastErrorMessage();

    [LibraryImport(Libvirt, EntryPoint = "virGetLastErrorCode")]
    public static partial int GetLastErrorCode();

    /// <summary>libvirt's virErrorFunc: (void *userData, virErrorPtr error).</summary>
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public delegate void ErrorHandler(IntPtr userData, IntPtr error);

    [LibraryImport(Libvirt, EntryPoint = "virSetErrorFunc")]
    public static partial void SetErrorFunc(IntPtr userData, IntPtr handler);

    [LibraryImport(Libvirt, EntryPoint = "virResetLastError")]
    public static partial void ResetLastError();

    /// <summary>Sets libvirt up (its per-thread error slots among the rest); no other call may come first.</summary>
    [LibraryImport(Libvirt, EntryPoint = "virInitialize")]
    public static partial int Initialize();

    [LibraryImport(Libvirt, EntryPoint = "virEventRegisterDefaultImpl")]
    public static partial int EventRegisterDefaultImpl();

    [LibraryImport(Libvirt, EntryPoint = "virEventRunDefaultImpl")]
    public static partial int EventRunDefaultImpl();

    [LibraryImport(Libvirt, EntryPoint = "virConnectSetKeepAlive")]
    public static partial int ConnectSetKeepAlive(LibvirtConnectionHandle connection, int intervalSeconds, uint count);

    [LibraryImport(Libvirt, EntryPoint = "virConnectOpen", StringMarshalling = StringMarshalling.Utf8)]
    public static partial LibvirtConnectionHandle ConnectOpen(string name);

    [LibraryImport(Libvirt, EntryPoint = "virConnectClose")]
    public static partial int ConnectClose(IntPtr connection);

    [LibraryImport(Libvirt, EntryPoint = "virConnectIsAlive")]
    public static partial int ConnectIsAlive(LibvirtConnectionHandle connection);

    [LibraryImport(Libvirt, EntryPoint = "virConnectGetLibVersion")]
    public static partial int ConnectGetLibVersion(LibvirtConnectionHandle connection, out ulong version);

    [LibraryImport(Libvirt, EntryPoint = "virConnectGetVersion")]
    public static partial int ConnectGetVersion(LibvirtConnectionHandle connection, out ulong version);

    [LibraryImport(Libvirt, EntryPoint = "virConnectGetHostname")]
    public static partial IntPtr ConnectGetHostname(LibvirtConnectionHandle connection);

    [LibraryImport(Libvirt, EntryPoint = "virConnectGetCapabilities")]
    public static partial IntPtr ConnectGetCapabilities(LibvirtConnectionHandle connection);

    [LibraryImport(Libvirt, EntryPoint = "virNodeGetInfo")]
    public static partial int NodeGetInfo(LibvirtConnectionHandle connection, [Out] byte[] info);

    [LibraryImport(Libvirt, EntryPoint = "virNodeGetFreeMemory")]
    public static partial ulong NodeGetFreeMemory(LibvirtConnectionHandle connection);

    [LibraryImport(Libvirt, EntryPoint = "virConnectListAllDomains")]
    public static partial int ConnectListAllDomains(LibvirtConnectionHandle connection, out IntPtr domains, uint flags);

    [LibraryImport(Libvirt, EntryPoint = "virDomainDefineXML", StringMarshalling = StringMarshalling.Utf8)]
    public static partial LibvirtDomainHandle DomainDefineXml(LibvirtConnectionHandle connection, string xml);

    [LibraryImport(Libvirt, EntryPoint = "virDomainCreateXML", StringMarshalling = StringMarshalling.Utf8)]
    public static partial LibvirtDomainHandle DomainCreateXml(LibvirtConnectionHandle connection, string xml, uint flags);

    [LibraryImport(Libvirt, EntryPoint = "virDomainLookupByName", StringMarshalling = StringMarshalling.Utf8)]
    public static partial LibvirtDomainHandle DomainLookupByName(LibvirtConnectionHandle connection, string name);

    [LibraryImport(Libvirt, EntryPoint = "virDomainLookupByUUIDString", StringMarshalling = StringMarshalling.Utf8)]
    public static partial LibvirtDomainHandle DomainLookupByUuidString(LibvirtConnectionHandle connection, string uuid);

    [LibraryImport(Libvirt, EntryPoint = "virDomainFree")]
    public static partial int DomainFree(IntPtr domain);

    [LibraryImport(Libvirt, EntryPoint = "virDomainGetName")]
    public static partial IntPtr DomainGetName(LibvirtDomainHandle domain); // libvirt's own: not freed

    [LibraryImport(Libvirt, EntryPoint = "virDomainGetUUIDString")]
    public static partial int DomainGetUuidString(LibvirtDomainHandle domain, [Out] byte[] buffer);

    [LibraryImport(Libvirt, EntryPoint = "virDomainCreate")]
    public static partial int DomainCreate(LibvirtDomainHandle domain);

    [LibraryImport(Libvirt, EntryPoint = "virDomainShutdown")]
    public static partial int DomainShutdown(LibvirtDomainHandle domain);

    [LibraryImport(Libvirt, EntryPoint = "virDomainDestroy")]
    public static partial int DomainDestroy(LibvirtDomainHandle domain);

    [LibraryImport(Libvirt, EntryPoint = "virDomainUndefineFlags")]
    public static partial int DomainUndefineFlags(LibvirtDomainHandle domain, uint flags);

    [LibraryImport(Libvirt, EntryPoint = "virDomainIsPersistent")]
    public static partial int DomainIsPersistent(LibvirtDomainHandle domain);

    [LibraryImport(Libvirt, EntryPoint = "virDomainGetState")]
    public static partial int DomainGetState(LibvirtDomainHandle domain, out int state, out int reason, uint flags);

    [LibraryImport(Libvirt, EntryPoint = "virDomainGetXMLDesc")]
    public static partial IntPtr DomainGetXmlDesc(LibvirtDomainHandle domain, uint flags);

    [LibraryImport(Libvirt, EntryPoint = "virDomainGetMetadata", StringMarshalling = StringMarshalling.Utf8)]
    public static partial IntPtr DomainGetMetadata(LibvirtDomainHandle domain, int type, string uri, uint flags);

    [LibraryImport(Libvirt, EntryPoint = "virDomainOpenConsole", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int DomainOpenConsole(LibvirtDomainHandle domain, string? deviceName, LibvirtStreamHandle stream, uint flags);

    [LibraryImport(Libvirt, EntryPoint = "virDomainScreenshot")]
    public static partial IntPtr DomainScreenshot(LibvirtDomainHandle domain, LibvirtStreamHandle stream, uint screen, uint flags);

    [LibraryImport(Libvirt, EntryPoint = "virDomainBlockCopy", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int DomainBlockCopy(LibvirtDomainHandle domain, string disk, string destinationXml, IntPtr parameters, int count, uint flags);

    [LibraryImport(Libvirt, EntryPoint = "virDomainGetBlockJobInfo", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int DomainGetBlockJobInfo(LibvirtDomainHandle domain, string disk, [Out] byte[] info, uint flags);

    [LibraryImport(Libvirt, EntryPoint = "virDomainBlockJobAbort", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int DomainBlockJobAbort(LibvirtDomainHandle domain, string disk, uint flags);

    [LibraryImport(Libvirt, EntryPoint = "virDomainAttachDeviceFlags", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int DomainAttachDeviceFlags(LibvirtDomainHandle domain, string xml, uint flags);

    [LibraryImport(Libvirt, EntryPoint = "virDomainDetachDeviceFlags", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int DomainDetachDeviceFlags(LibvirtDomainHandle domain, string xml, uint flags);

    [LibraryImport(Libvirt, EntryPoint = "virStreamNew")]
    public static partial LibvirtStreamHandle StreamNew(LibvirtConnectionHandle connection, uint flags);

    [LibraryImport(Libvirt, EntryPoint = "virStreamRecv")]
    public static partial int StreamRecv(LibvirtStreamHandle stream, [Out] byte[] data, nuint length);

    [LibraryImport(Libvirt, EntryPoint = "virStreamFinish")]
    public static partial int StreamFinish(LibvirtStreamHandle stream);

    [LibraryImport(Libvirt, EntryPoint = "virStreamAbort")]
    public static partial int StreamAbort(LibvirtStreamHandle stream);

    [LibraryImport(Libvirt, EntryPoint = "virStreamFree")]
    public static partial int StreamFree(IntPtr stream);

    [LibraryImport(Libvirt, EntryPoint = "virStoragePoolLookupByName", StringMarshalling = StringMarshalling.Utf8)]
    public static partial LibvirtPoolHandle StoragePoolLookupByName(LibvirtConnectionHandle connection, string name);

    [LibraryImport(Libvirt, EntryPoint = "virStoragePoolCreateXML", StringMarshalling = StringMarshalling.Utf8)]
    public static partial LibvirtPoolHandle StoragePoolCreateXml(LibvirtConnectionHandle connection, string xml, uint flags);

    [LibraryImport(Libvirt, EntryPoint = "virStoragePoolDestroy")]
    public static partial int StoragePoolDestroy(LibvirtPoolHandle pool);

    [LibraryImport(Libvirt, EntryPoint = "virStoragePoolFree")]
    public static partial int StoragePoolFree(IntPtr pool);

    [LibraryImport(Libvirt, EntryPoint = "virStorageVolCreateXML", StringMarshalling = StringMarshalling.Utf8)]
    public static partial LibvirtVolumeHandle StorageVolCreateXml(LibvirtPoolHandle pool, string xml, uint flags);

    [LibraryImport(Libvirt, EntryPoint = "virStorageVolLookupByName", StringMarshalling = StringMarshalling.Utf8)]
    public static partial LibvirtVolumeHandle StorageVolLookupByName(LibvirtPoolHandle pool, string name);

    [LibraryImport(Libvirt, EntryPoint = "virStorageVolLookupByPath", StringMarshalling = StringMarshalling.Utf8)]
    public static partial LibvirtVolumeHandle StorageVolLookupByPath(LibvirtConnectionHandle connection, string path);

    [LibraryImport(Libvirt, EntryPoint = "virStorageVolGetPath")]
    public static partial IntPtr StorageVolGetPath(LibvirtVolumeHandle volume);

    [LibraryImport(Libvirt, EntryPoint = "virStorageVolDelete")]
    public static partial int StorageVolDelete(LibvirtVolumeHandle volume, uint flags);

    [LibraryImport(Libvirt, EntryPoint = "virStorageVolFree")]
    public static partial int StorageVolFree(IntPtr volume);

    [LibraryImport(Libvirt, EntryPoint = "virDomainGetID")]
    public static partial uint DomainGetId(LibvirtDomainHandle domain);

    [LibraryImport(Libvirt, EntryPoint = "virDomainFSFreeze")]
    public static partial int DomainFsFreeze(LibvirtDomainHandle domain, IntPtr mountPoints, uint count, uint flags);

    [LibraryImport(Libvirt, EntryPoint = "virDomainFSThaw")]
    public static partial int DomainFsThaw(LibvirtDomainHandle domain, IntPtr mountPoints, uint count, uint flags);

    [LibraryImport(Libvirt, EntryPoint = "virDomainAbortJob")]
    public static partial int DomainAbortJob(LibvirtDomainHandle domain);

    [LibraryImport(Libvirt, EntryPoint = "virDomainBackupBegin", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int DomainBackupBegin(LibvirtDomainHandle domain, string backupXml, string? checkpointXml, uint flags);

    [LibraryImport(Libvirt, EntryPoint = "virDomainBackupGetXMLDesc")]
    public static partial IntPtr DomainBackupGetXmlDesc(LibvirtDomainHandle domain, uint flags);

    /// <summary>Fills <paramref name="checkpoints"/> with an array of virDomainCheckpointPtr (the caller frees each and the array).</summary>
    [LibraryImport(Libvirt, EntryPoint = "virDomainListAllCheckpoints")]
    public static partial int DomainListAllCheckpoints(LibvirtDomainHandle domain, out IntPtr checkpoints, uint flags);

    [LibraryImport(Libvirt, EntryPoint = "virDomainCheckpointLookupByName", StringMarshalling = StringMarshalling.Utf8)]
    public static partial LibvirtCheckpointHandle DomainCheckpointLookupByName(LibvirtDomainHandle domain, string name, uint flags);

    [LibraryImport(Libvirt, EntryPoint = "virDomainCheckpointCreateXML", StringMarshalling = StringMarshalling.Utf8)]
    public static partial LibvirtCheckpointHandle DomainCheckpointCreateXml(LibvirtDomainHandle domain, string xml, uint flags);

    /// <summary>The name belongs to the checkpoint: not freed.</summary>
    [LibraryImport(Libvirt, EntryPoint = "virDomainCheckpointGetName")]
    public static partial IntPtr DomainCheckpointGetName(IntPtr checkpoint);

    [LibraryImport(Libvirt, EntryPoint = "virDomainCheckpointGetXMLDesc")]
    public static partial IntPtr DomainCheckpointGetXmlDesc(LibvirtCheckpointHandle checkpoint, uint flags);

    [LibraryImport(Libvirt, EntryPoint = "virDomainCheckpointDelete")]
    public static partial int DomainCheckpointDelete(LibvirtCheckpointHandle checkpoint, uint flags);

    [LibraryImport(Libvirt, EntryPoint = "virDomainCheckpointFree")]
    public static partial int DomainCheckpointFree(IntPtr checkpoint);

    [LibraryImport(LibvirtQemu, EntryPoint = "virDomainQemuAgentCommand", StringMarshalling = StringMarshalling.Utf8)]
    public static partial IntPtr DomainQemuAgentCommand(LibvirtDomainHandle domain, string command, int timeoutSeconds, uint flags);

    [LibraryImport(LibvirtQemu, EntryPoint = "virDomainQemuMonitorCommand", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int DomainQemuMonitorCommand(LibvirtDomainHandle domain, string command, out IntPtr result, uint flags);
}
