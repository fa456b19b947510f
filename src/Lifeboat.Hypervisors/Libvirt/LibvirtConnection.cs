using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security;
using Lifeboat.Hypervisors.Libvirt.Native;

namespace Lifeboat.Hypervisors.Libvirt;

/// <summary>
/// One connection to a libvirt daemon through its C API (libvirt.so.0): what virsh does, without a process and a
/// new connection per command. Every call blocks on the daemon; call it off the thread pool's hot path
/// (<see cref="RunAsync{T}"/>). libvirt connections are safe to share between threads.
/// </summary>
public sealed class LibvirtConnection : IDisposable
{
    private const uint ListDomainsAll = 0;

    /// <summary>A host that answers no keepalive for about 5 × (3 + 1) s is taken for gone.</summary>
    public const int KeepAliveIntervalSeconds = 5;

    public const uint KeepAliveCount = 3;

    private LibvirtConnection(string uri, LibvirtConnectionHandle handle)
    {
        Uri = uri;
        Handle = handle;
    }

    public string Uri { get; }

    internal LibvirtConnectionHandle Handle { get; }

    /// <exception cref="ArgumentException"><paramref name="uri"/> is not a <see cref="LibvirtUri"/>.</exception>
    /// <exception cref="LibvirtException">libvirt could not connect; the message is libvirt's.</exception>
    public static Task<LibvirtConnection> OpenAsync(string uri, CancellationToken cancellationToken = default)
    {
        LibvirtUri.Validate(uri, "the libvirt connection URI");
        LibvirtEventLoop.EnsureStarted();
        LibvirtErrors.Silence();
        return RunAsync(() =>
        {
            var handle = LibvirtErrors.Check(LibvirtNative.ConnectOpen(uri), $"a connection to {uri}");
            // Local connections take no keepalive (libvirt says so with an error): nothing to lose there.
            if (LibvirtNative.ConnectSetKeepAlive(handle, KeepAliveIntervalSeconds, KeepAliveCount) < 0)
                LibvirtNative.ResetLastError();
            return new LibvirtConnection(uri, handle);
        }, cancellationToken);
    }

    /// <summary>Runs a blocking libvirt call on a pool thread; cancelling stops the wait, not the call.</summary>
    public static Task<T> RunAsync<T>(Func<T> call, CancellationToken cancellationToken = default) =>
        Task.Run(call, cancellationToken).WaitAsync(cancellationToken);

    /// <summary>Whether the connection still reaches the daemon (false once it broke: open another).</summary>
    public bool IsAlive() => LibvirtNative.ConnectIsAlive(Handle) == 1;

    /// <summary>libvirt's version on the host (the daemon's, for a remote connection), as <c>9.0.0</c>.</summary>
    public string LibraryVersion()
    {
        LibvirtErrors.Check(LibvirtNative.ConnectGetLibVersion(Handle, out var version), $"reading the libvirt version of {Uri}");
        return FormatVersion(version);
    }

    /// <summary>The hypervisor's version (QEMU's), as <c>7.2.0</c>.</summary>
    public string HypervisorVersion()
    {
        LibvirtErrors.Check(LibvirtNative.ConnectGetVersion(Handle, out var version), $"reading the QEMU version of {Uri}");
        return FormatVersion(version);
    }

    public string Hostname() => LibvirtErrors.TakeString(LibvirtNative.ConnectGetHostname(Handle), $"reading the host name of {Uri}");

    /// <summary>The host's logical CPUs and memory (virNodeGetInfo).</summary>
    public (int Cpus, long MemoryMiB) NodeInfo()
    {
        var info = new byte[LibvirtNative.NodeInfoSize];
        LibvirtErrors.Check(LibvirtNative.NodeGetInfo(Handle, info), $"reading the CPUs and memory of {Uri}");
        var memoryKiB = BinaryPrimitives.ReadUInt64LittleEndian(info.AsSpan(32));
        var cpus = BinaryPrimitives.ReadUInt32LittleEndian(info.AsSpan(40));
        return ((int)Math.Min(cpus, int.MaxValue), (long)(memoryKiB / 1024));
    }

    public long FreeMemoryMiB()
    {
        var bytes = LibvirtNative.NodeGetFreeMemory(Handle);
        if (bytes == 0)
            throw LibvirtErrors.Last($"reading the free memory of {Uri}");
        return (long)(bytes / (1024 * 1024));
    }

    /// <summary>The host's capabilities XML (guests, domain types: kvm or qemu).</summary>
    public string Capabilities() => LibvirtErrors.TakeString(LibvirtNative.ConnectGetCapabilities(Handle), $"reading the capabilities of {Uri}");

    /// <summary>Defines a persistent domain (not started).</summary>
    public LibvirtDomain Define(string xml) =>
        new(this, LibvirtErrors.Check(LibvirtNative.DomainDefineXml(Handle, xml), $"defining a domain on {Uri}"));

    /// <summary>Starts a transient domain from <paramref name="xml"/> (flags: virDomainCreateFlags).</summary>
    public LibvirtDomain CreateTransient(string xml, uint flags) =>
        new(this, LibvirtErrors.Check(LibvirtNative.DomainCreateXml(Handle, xml, flags), $"starting a transient domain on {Uri}"));

    /// <summary>The domain of that name, or null when there is none.</summary>
    public LibvirtDomain? LookupByName(string name) => Lookup(LibvirtNative.DomainLookupByName(Handle, name), $"looking up domain {name} on {Uri}");

    /// <summary>The domain of that UUID, or null when there is none.</summary>
    public LibvirtDomain? LookupByUuid(string uuid) => Lookup(LibvirtNative.DomainLookupByUuidString(Handle, uuid), $"looking up domain {uuid} on {Uri}");

    /// <summary>Every domain, running or only defined.</summary>
    public IReadOnlyList<LibvirtDomain> ListAllDomains()
    {
        var count = LibvirtNative.ConnectListAllDomains(Handle, out var array, ListDomainsAll);
        if (count < 0)
            throw LibvirtErrors.Last($"listing the domains of {Uri}");
        try
        {
            var domains = new List<LibvirtDomain>(count);
            for (var i = 0; i < count; i++)
                domains.Add(new LibvirtDomain(this, new LibvirtDomainHandle(Marshal.ReadIntPtr(array, i * IntPtr.Size))));
            return domains;
        }
        finally
        {
            LibvirtNative.Free(array);
        }
    }

    /// <summary>Starts a transient directory pool named <paramref name="name"/> over <paramref name="folder"/> (its files become its volumes).</summary>
    public void CreateDirectoryPool(string name, string folder)
    {
        using var pool = LibvirtErrors.Check(LibvirtNative.StoragePoolCreateXml(Handle,
            $"<pool type='dir'><name>{SecurityElement.Escape(name)}</name><target><path>{SecurityElement.Escape(folder)}</path></target></pool>", 0),
            $"a storage pool over {folder} on {Uri}");
    }

    /// <summary>Stops a pool; a transient one goes, its files stay.</summary>
    public void DestroyPool(string name)
    {
        using var pool = LibvirtErrors.Check(LibvirtNative.StoragePoolLookupByName(Handle, name), $"looking up storage pool {name} on {Uri}");
        LibvirtErrors.Check(LibvirtNative.StoragePoolDestroy(pool), $"stopping storage pool {name} on {Uri}");
    }

    /// <summary>Creates a volume in storage pool <paramref name="pool"/>; returns its path on the host.</summary>
    public string CreateVolume(string pool, string volumeXml)
    {
        using var poolHandle = LibvirtErrors.Check(LibvirtNative.StoragePoolLookupByName(Handle, pool), $"looking up storage pool {pool} on {Uri}");
        using var volume = LibvirtErrors.Check(LibvirtNative.StorageVolCreateXml(poolHandle, volumeXml, 0), $"creating a volume in storage pool {pool} on {Uri}");
        return LibvirtErrors.TakeString(LibvirtNative.StorageVolGetPath(volume), $"reading the path of a new volume in storage pool {pool} on {Uri}");
    }

    /// <summary>The path of volume <paramref name="name"/> in <paramref name="pool"/>, or null when there is none.</summary>
    public string? VolumePath(string pool, string name)
    {
        using var poolHandle = LibvirtErrors.Check(LibvirtNative.StoragePoolLookupByName(Handle, pool), $"looking up storage pool {pool} on {Uri}");
        using var volume = LibvirtNative.StorageVolLookupByName(poolHandle, name);
        if (volume.IsInvalid)
        {
            LibvirtNative.ResetLastError();
            return null;
        }

        return LibvirtErrors.TakeString(LibvirtNative.StorageVolGetPath(volume), $"reading the path of volume {name} on {Uri}");
    }

    /// <summary>Deletes the storage volume at <paramref name="path"/>; false when no pool knows that path.</summary>
    public bool DeleteVolume(string path)
    {
        using var volume = LibvirtNative.StorageVolLookupByPath(Handle, path);
        if (volume.IsInvalid)
        {
            LibvirtNative.ResetLastError();
            return false;
        }

        LibvirtErrors.Check(LibvirtNative.StorageVolDelete(volume, 0), $"deleting volume {path} on {Uri}");
        return true;
    }

    public void Dispose() => Handle.Dispose();

    private LibvirtDomain? Lookup(LibvirtDomainHandle handle, string doing)
    {
        if (!handle.IsInvalid)
            return new LibvirtDomain(this, handle);
        handle.Dispose();
        var error = LibvirtErrors.Last(doing);
        return error.Code == LibvirtErrors.NoDomain ? null : throw error;
    }

    private static string FormatVersion(ulong version) =>
        string.Create(CultureInfo.InvariantCulture, $"{version / 1_000_000}.{version / 1000 % 1000}.{version % 1000}");
}
