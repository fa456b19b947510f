using System.Diagnostics.CodeAnalysis;

namespace Lifeboat.Nbd.Server;

/// <summary>Maps export names to devices. Asked once per NBD_OPT_GO/INFO/EXPORT_NAME, so names may come and go.</summary>
public interface INbdExportProvider
{
    bool TryGetExport(string name, [NotNullWhen(true)] out INbdBlockDevice? device);

    /// <summary>The names NBD_OPT_LIST reports.</summary>
    IReadOnlyCollection<string> ExportNames { get; }

    /// <summary>
    /// The exports one connection may list and open, decided once when it is accepted (from its address, or the
    /// kernel's word on who owns a unix socket peer); the rest it is told do not exist. All of them by default.
    /// </summary>
    INbdExportProvider For(System.Net.Sockets.Socket client) => this;
}
