using Lifeboat.Nbd.Protocol;

namespace Lifeboat.Nbd.Server;

/// <summary>What a connection's handshake agreed on: the export, its flags, and the reply forms the client understands.</summary>
internal sealed record NbdSession(
    string ExportName,
    INbdBlockDevice Device,
    NbdTransmissionFlags Flags,
    bool StructuredReplies,
    uint? AllocationContextId);
