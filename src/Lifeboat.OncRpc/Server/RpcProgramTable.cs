using System.Collections.Frozen;
using Lifeboat.OncRpc.Rpc;

namespace Lifeboat.OncRpc.Server;

/// <summary>The programs a server answers for, by program number; shared by the TCP and UDP transports.</summary>
internal static class RpcProgramTable
{
    public static FrozenDictionary<uint, IRpcProgram> Build(IEnumerable<IRpcProgram> programs)
    {
        ArgumentNullException.ThrowIfNull(programs);
        var table = new Dictionary<uint, IRpcProgram>();
        foreach (var program in programs)
        {
            if (program.LowVersion > program.HighVersion)
            {
                throw new ArgumentException($"Program {program.Program} has LowVersion {program.LowVersion} above HighVersion {program.HighVersion}.", nameof(programs));
            }

            if (!table.TryAdd(program.Program, program))
            {
                throw new ArgumentException($"Program {program.Program} is given twice; serve all its versions from one IRpcProgram.", nameof(programs));
            }
        }

        return table.ToFrozenDictionary();
    }

    /// <summary>"100000 v2-2, 100005 v3-3", for the listening log line.</summary>
    public static string Describe(FrozenDictionary<uint, IRpcProgram> programs) =>
        string.Join(", ", programs.Values.Select(p => $"{p.Program} v{p.LowVersion}-{p.HighVersion}"));
}
