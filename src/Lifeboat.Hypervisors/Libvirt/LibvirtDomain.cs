using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Lifeboat.Hypervisors.Libvirt.Native;

namespace Lifeboat.Hypervisors.Libvirt;

/// <summary>One domain on a <see cref="LibvirtConnection"/>; every call blocks on the daemon.</summary>
public sealed class LibvirtDomain : IDisposable
{
    /// <summary>virDomainCreateFlags: VIR_DOMAIN_START_PAUSED.</summary>
    public const uint StartPaused = 1;

    /// <summary>virDomainCreateFlags: VIR_DOMAIN_START_AUTODESTROY (destroyed when the connection closes).</summary>
    public const uint StartAutoDestroy = 2;

    /// <summary>virDomainXMLFlags: VIR_DOMAIN_XML_INACTIVE (the persistent definition, not the live one).</summary>
    public const uint XmlInactive = 2;

    /// <summary>virDomainBlockCopyFlags: VIR_DOMAIN_BLOCK_COPY_REUSE_EXT (the destination exists, as made).</summary>
    public const uint BlockCopyReuseExternal = 2;

    /// <summary>virDomainBlockCopyFlags: VIR_DOMAIN_BLOCK_COPY_TRANSIENT_JOB (allowed on a persistent domain; the job is not kept across a restart).</summary>
    public const uint BlockCopyTransientJob = 4;

    /// <summary>virDomainBlockJobAbortFlags: VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT.</summary>
    public const uint BlockJobPivot = 2;

    private const int MetadataElement = 2; // VIR_DOMAIN_METADATA_ELEMENT
    private const uint ConsoleForce = 1; // VIR_DOMAIN_CONSOLE_FORCE: takes the console from another client
    private const uint UndefineAll = 1 | 2 | 4 | 16; // managed save, snapshot metadata, NVRAM, checkpoint metadata
    private const int UuidStringBytes = 37;

    private readonly LibvirtConnection _connection;

    internal LibvirtDomain(LibvirtConnection connection, LibvirtDomainHandle handle)
    {
        _connection = connection;
        Handle = handle;
        Name = Marshal.PtrToStringUTF8(LibvirtNative.DomainGetName(handle)) ?? throw LibvirtErrors.Last($"reading a domain name on {connection.Uri}");
        var uuid = new byte[UuidStringBytes];
        LibvirtErrors.Check(LibvirtNative.DomainGetUuidString(handle, uuid), $"reading the UUID of domain {Name}");
        Uuid = Encoding.ASCII.GetString(uuid, 0, UuidStringBytes - 1);
    }

    public string Name { get; }

    public string Uuid { get; }

    internal LibvirtDomainHandle Handle { get; }

    /// <summary>The connection the domain was found on.</summary>
    public LibvirtConnection Connection => _connection;

    public void Start() => LibvirtErrors.Check(LibvirtNative.DomainCreate(Handle), $"starting domain {Name} on {_connection.Uri}");

    /// <summary>Asks the guest to power off (ACPI), and returns at once.</summary>
    public void Shutdown() => LibvirtErrors.Check(LibvirtNative.DomainShutdown(Handle), $"shutting down domain {Name} on {_connection.Uri}");

    public void Destroy() => LibvirtErrors.Check(LibvirtNative.DomainDestroy(Handle), $"destroying domain {Name} on {_connection.Uri}");

    /// <summary>Removes the persistent definition (with its NVRAM, snapshot and checkpoint metadata); a running domain becomes transient.</summary>
    public void Undefine() => LibvirtErrors.Check(LibvirtNative.DomainUndefineFlags(Handle, UndefineAll), $"undefining domain {Name} on {_connection.Uri}");

    public bool IsPersistent()
    {
        var result = LibvirtNative.DomainIsPersistent(Handle);
        return result < 0 ? throw LibvirtErrors.Last($"reading whether domain {Name} is persistent") : result == 1;
    }

    public LibvirtDomainState State()
    {
        LibvirtErrors.Check(LibvirtNative.DomainGetState(Handle, out var state, out _, 0), $"reading the state of domain {Name} on {_connection.Uri}");
        return (LibvirtDomainState)state;
    }

    public string XmlDescription(uint flags = 0) =>
        LibvirtErrors.TakeString(LibvirtNative.DomainGetXmlDesc(Handle, flags), $"reading the XML of domain {Name} on {_connection.Uri}");

    /// <summary>The domain's metadata element in namespace <paramref name="namespaceUri"/>, or null when it has none.</summary>
    public string? Metadata(string namespaceUri)
    {
        var pointer = LibvirtNative.DomainGetMetadata(Handle, MetadataElement, namespaceUri, 0);
        if (pointer != IntPtr.Zero)
            return LibvirtErrors.TakeString(pointer, "");
        LibvirtNative.ResetLastError(); // VIR_ERR_NO_DOMAIN_METADATA
        return null;
    }

    /// <summary>Sends a JSON command to the guest agent and returns its JSON answer.</summary>
    /// <exception cref="LibvirtException">With <see cref="LibvirtErrors.AgentUnresponsive"/> when the agent does not answer.</exception>
    public string AgentCommand(string json, int timeoutSeconds) =>
        LibvirtErrors.TakeString(LibvirtNative.DomainQemuAgentCommand(Handle, json, timeoutSeconds, 0), $"a guest agent command to domain {Name}");

    /// <summary>Sends a QMP command to the domain's QEMU (taints the domain, as libvirt says).</summary>
    public string MonitorCommand(string json)
    {
        LibvirtErrors.Check(LibvirtNative.DomainQemuMonitorCommand(Handle, json, out var result, 0), $"a monitor command to domain {Name}");
        return LibvirtErrors.TakeString(result, $"a monitor command to domain {Name}");
    }

    /// <summary>Opens the domain's first console (its serial port) as a stream, taking it from any other client.</summary>
    public LibvirtStream OpenConsole()
    {
        var stream = LibvirtStream.Create(_connection);
        try
        {
            LibvirtErrors.Check(LibvirtNative.DomainOpenConsole(Handle, null, stream.Handle, ConsoleForce), $"opening the console of domain {Name}");
            return stream;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Writes the display's picture (PPM from QEMU) to <paramref name="path"/>; returns its MIME type.</summary>
    public string Screenshot(string path, long maxBytes)
    {
        using var stream = LibvirtStream.Create(_connection);
        var mime = LibvirtErrors.TakeString(LibvirtNative.DomainScreenshot(Handle, stream.Handle, 0, 0), $"a screenshot of domain {Name}");
        using var file = File.Create(path);
        stream.CopyTo(file, maxBytes);
        return mime;
    }

    public void BlockCopy(string disk, string destinationXml, uint flags) =>
        LibvirtErrors.Check(LibvirtNative.DomainBlockCopy(Handle, disk, destinationXml, IntPtr.Zero, 0, flags), $"a block copy of disk {disk} of domain {Name}");

    /// <summary>The disk's block job progress (bytes done, bytes in all), or null when it has none.</summary>
    public (long Done, long Total)? BlockJob(string disk)
    {
        var info = new byte[LibvirtNative.BlockJobInfoSize];
        var result = LibvirtNative.DomainGetBlockJobInfo(Handle, disk, info, 0);
        if (result < 0)
            throw LibvirtErrors.Last($"reading the block job of disk {disk} of domain {Name}");
        if (result == 0)
            return null;
        return ((long)BinaryPrimitives.ReadUInt64LittleEndian(info.AsSpan(16)), (long)BinaryPrimitives.ReadUInt64LittleEndian(info.AsSpan(24)));
    }

    public void AbortBlockJob(string disk, uint flags) =>
        LibvirtErrors.Check(LibvirtNative.DomainBlockJobAbort(Handle, disk, flags), $"{((flags & BlockJobPivot) != 0 ? "pivoting" : "cancelling")} the block job of disk {disk} of domain {Name}");

    /// <summary>virDomainModificationImpact: VIR_DOMAIN_AFFECT_LIVE (the running domain, not its persistent definition).</summary>
    public const uint AffectLive = 1;

    public void AttachDevice(string xml, uint flags) =>
        LibvirtErrors.Check(LibvirtNative.DomainAttachDeviceFlags(Handle, xml, flags), $"attaching a device to domain {Name}");

    /// <summary>Asks the guest to let go of the device; it is gone once the domain's XML no longer has it.</summary>
    public void DetachDevice(string xml, uint flags) =>
        LibvirtErrors.Check(LibvirtNative.DomainDetachDeviceFlags(Handle, xml, flags), $"detaching a device from domain {Name}");

    public void Dispose() => Handle.Dispose();
}
