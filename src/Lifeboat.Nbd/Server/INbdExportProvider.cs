using System.Diagnostics.CodeAnalysis;

namespace Lifeboat.Nbd.Server;

/// <summary>Maps export names to devices. Asked once per NBD_OPT_GO/INFO/EXPORT_NAME, so names may come and go.</summary>
public interface INbdExportProvider
{
    bool TryGetExport(string name, [NotNullWhen(true)] out INbdBlockDevice? device);

    /// <summary>The names NBD_OPT_LIST reports.</summary>
    IReadOnlyCollection<string> ExportNames { get; }
}
