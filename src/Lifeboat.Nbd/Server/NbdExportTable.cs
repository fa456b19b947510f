using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace Lifeboat.Nbd.Server;

/// <summary>An <see cref="INbdExportProvider"/> that holds a changeable set of named devices.</summary>
public sealed class NbdExportTable : INbdExportProvider
{
    private readonly ConcurrentDictionary<string, INbdBlockDevice> _exports = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> ExportNames => [.. _exports.Keys.Order(StringComparer.Ordinal)];

    public void Set(string name, INbdBlockDevice device)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(device);
        if (System.Text.Encoding.UTF8.GetByteCount(name) > Protocol.NbdLimits.MaxStringLength)
        {
            throw new ArgumentException($"An export name is at most {Protocol.NbdLimits.MaxStringLength} bytes.", nameof(name));
        }

        _exports[name] = device;
    }

    public bool Remove(string name) => _exports.TryRemove(name, out _);

    public bool TryGetExport(string name, [NotNullWhen(true)] out INbdBlockDevice? device) => _exports.TryGetValue(name, out device);
}
