using Lifeboat.Nbd.Protocol;

namespace Lifeboat.Nbd.Client;

/// <summary>What the handshake agreed on for the export the client entered transmission with.</summary>
internal sealed record NbdNegotiatedExport(
    long Size,
    NbdTransmissionFlags Flags,
    bool StructuredReplies,
    IReadOnlyDictionary<uint, string> MetaContexts,
    uint MinimumBlockSize,
    uint PreferredBlockSize,
    uint MaximumPayload);
