using System.Runtime.InteropServices;
using Lifeboat.Hypervisors.Libvirt.Native;

namespace Lifeboat.Hypervisors.Libvirt;

/// <summary>
/// The calls of libvirt's backup API for one domain (backup jobs, checkpoints, the guest's freeze), on one libvirt
/// connection opened once: a live backup made a dozen of them through virsh, a process and a new connection each,
/// which cost more than reading 5% of a 2 GiB disk. Each call blocks on the daemon on a pool thread.
/// </summary>
public sealed class LibvirtBackupDomain : IDisposable
{
    private const int NoDomainBackup = 104; // VIR_ERR_NO_DOMAIN_BACKUP: no backup job runs
    private const uint ListTopological = 2; // VIR_DOMAIN_CHECKPOINT_LIST_TOPOLOGICAL: parents before children
    private const uint CreateRedefine = 1; // VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE
    private const uint DeleteMetadataOnly = 2; // VIR_DOMAIN_CHECKPOINT_DELETE_METADATA_ONLY
    private const uint XmlNoDomain = 2; // VIR_DOMAIN_CHECKPOINT_XML_NO_DOMAIN
    private const uint XmlSize = 4; // VIR_DOMAIN_CHECKPOINT_XML_SIZE

    private readonly LibvirtConnection _connection;
    private readonly LibvirtDomain _domain;

    private LibvirtBackupDomain(LibvirtConnection connection, LibvirtDomain domain)
    {
        _connection = connection;
        _domain = domain;
    }

    public string Name => _domain.Name;

    public string Uuid => _domain.Uuid;

    public string ConnectUri => _connection.Uri;

    /// <exception cref="LibvirtException">libvirt could not connect, or has no domain of that name.</exception>
    public static async Task<LibvirtBackupDomain> OpenAsync(string connectUri, string domain, CancellationToken cancellationToken)
    {
        var connection = await LibvirtConnection.OpenAsync(connectUri, cancellationToken).ConfigureAwait(false);
        try
        {
            var found = await LibvirtConnection.RunAsync(() => connection.LookupByName(domain), cancellationToken).ConfigureAwait(false)
                ?? throw new LibvirtException($"libvirt at {connectUri} has no domain {domain}; check its name with virsh list --all.");
            return new LibvirtBackupDomain(connection, found);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>The domain's id while it runs (changes with every start).</summary>
    public Task<uint> IdAsync(CancellationToken cancellationToken) =>
        Run(() => LibvirtNative.DomainGetId(_domain.Handle) is var id && id == uint.MaxValue ? throw LibvirtErrors.Last($"reading the id of domain {Name}") : id, cancellationToken);

    public Task<string> XmlAsync(CancellationToken cancellationToken) => Run(() => _domain.XmlDescription(), cancellationToken);

    public Task<string> AgentCommandAsync(string json, int timeoutSeconds, CancellationToken cancellationToken) =>
        Run(() => _domain.AgentCommand(json, timeoutSeconds), cancellationToken);

    public Task FreezeAsync(CancellationToken cancellationToken) =>
        Run(() => LibvirtErrors.Check(LibvirtNative.DomainFsFreeze(_domain.Handle, IntPtr.Zero, 0, 0), $"freezing the file systems of domain {Name}"), cancellationToken);

    public Task ThawAsync(CancellationToken cancellationToken) =>
        Run(() => LibvirtErrors.Check(LibvirtNative.DomainFsThaw(_domain.Handle, IntPtr.Zero, 0, 0), $"thawing the file systems of domain {Name}"), cancellationToken);

    public Task BeginBackupAsync(string backupXml, string checkpointXml, CancellationToken cancellationToken) =>
        Run(() => LibvirtErrors.Check(LibvirtNative.DomainBackupBegin(_domain.Handle, backupXml, checkpointXml, 0), $"beginning a backup of domain {Name}"), cancellationToken);

    /// <summary>The running backup job's XML (its NBD exports), or null when no backup job runs.</summary>
    public Task<string?> BackupXmlAsync(CancellationToken cancellationToken) => Run(() =>
    {
        var pointer = LibvirtNative.DomainBackupGetXmlDesc(_domain.Handle, 0);
        if (pointer == IntPtr.Zero && LibvirtNative.GetLastErrorCode() == NoDomainBackup)
        {
            LibvirtNative.ResetLastError();
            return null;
        }

        return (string?)LibvirtErrors.TakeString(pointer, $"reading the backup job of domain {Name}");
    }, cancellationToken);

    public Task AbortJobAsync(CancellationToken cancellationToken) =>
        Run(() => LibvirtErrors.Check(LibvirtNative.DomainAbortJob(_domain.Handle), $"ending the job of domain {Name}"), cancellationToken);

    /// <summary>The names of the domain's checkpoints, parents before their children.</summary>
    public Task<List<string>> CheckpointNamesAsync(CancellationToken cancellationToken) => Run(() =>
    {
        var count = LibvirtNative.DomainListAllCheckpoints(_domain.Handle, out var array, ListTopological);
        if (count < 0)
            throw LibvirtErrors.Last($"listing the checkpoints of domain {Name}");
        var names = new List<string>(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var checkpoint = Marshal.ReadIntPtr(array, i * IntPtr.Size);
                using var owned = new LibvirtCheckpointHandle(checkpoint);
                names.Add(Marshal.PtrToStringUTF8(LibvirtNative.DomainCheckpointGetName(checkpoint)) ?? "");
            }
        }
        finally
        {
            LibvirtNative.Free(array);
        }

        return names;
    }, cancellationToken);

    /// <summary>Defines a checkpoint again from its XML (its bitmaps must still be in the disks).</summary>
    public Task RedefineCheckpointAsync(string xml, CancellationToken cancellationToken) => Run(() =>
    {
        using var created = LibvirtErrors.Check(LibvirtNative.DomainCheckpointCreateXml(_domain.Handle, xml, CreateRedefine), $"defining a checkpoint of domain {Name} again");
    }, cancellationToken);

    /// <param name="withSize">With each disk's bitmap size: libvirt gives one only for a disk that holds the bitmap.</param>
    public Task<string> CheckpointXmlAsync(string name, bool withSize, CancellationToken cancellationToken) => Run(() =>
    {
        using var checkpoint = Checkpoint(name);
        return LibvirtErrors.TakeString(LibvirtNative.DomainCheckpointGetXmlDesc(checkpoint, XmlNoDomain | (withSize ? XmlSize : 0)), $"reading checkpoint {name} of domain {Name}");
    }, cancellationToken);

    /// <summary>Deletes a checkpoint: its bitmaps are merged into its parent's, or with <paramref name="metadataOnly"/> only libvirt's definition goes.</summary>
    public Task DeleteCheckpointAsync(string name, bool metadataOnly, CancellationToken cancellationToken) => Run(() =>
    {
        using var checkpoint = Checkpoint(name);
        LibvirtErrors.Check(LibvirtNative.DomainCheckpointDelete(checkpoint, metadataOnly ? DeleteMetadataOnly : 0), $"deleting checkpoint {name} of domain {Name}");
    }, cancellationToken);

    public void Dispose()
    {
        _domain.Dispose();
        _connection.Dispose();
    }

    private LibvirtCheckpointHandle Checkpoint(string name) =>
        LibvirtErrors.Check(LibvirtNative.DomainCheckpointLookupByName(_domain.Handle, name, 0), $"looking up checkpoint {name} of domain {Name}");

    private static Task<T> Run<T>(Func<T> call, CancellationToken cancellationToken) => LibvirtConnection.RunAsync(call, cancellationToken);

    private static Task Run(Action call, CancellationToken cancellationToken) => LibvirtConnection.RunAsync(() =>
    {
        call();
        return true;
    }, cancellationToken);
}
